"""Any other modem: 27.007 commands only, and the call lines of vendors without a profile.

ZTE, Wavecom and Cinterion modems are driven with the generic profile; their own ways of
saying a call ended or is alerting are read here, so they still work.
"""

from __future__ import annotations

from hardware.modem.urc import (
    CallAlerting,
    CallEnded,
    CallEntry,
    Other,
    Urc,
    call_event,
    fields,
    to_int,
)

from .profile import Dialect, Family, Profile

WIND_EVENTS = {2: CallAlerting(), 6: CallEnded("+WIND: 6")}   # Wavecom, after AT+WIND=50


def _slcc(payload: str, line: str) -> Urc:
    """Cinterion ``^SLCC``: a +CLCC entry with a traffic-channel field before the number; the
    list ends with an empty ``^SLCC:`` line, which alone means no call is left."""
    f = fields(payload)
    if not f:
        return CallEnded("^SLCC empty")
    return call_event(CallEntry.from_fields([*f[:5], *f[6:]]), line)


def _wind(payload: str, line: str) -> Urc:
    return WIND_EVENTS.get(to_int(fields(payload)[0]) if payload else -1, Other(line))


GENERIC = Profile(
    Dialect.GENERIC, "generic",
    status=('+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"',
            "+CGEV: ME DETACH"))

FAMILY = Family(
    "generic", (GENERIC,),
    parsers={"HANGUP": lambda p, ln: CallEnded("HANGUP"),      # ZTE / Qualcomm: HANGUP: <id>
             "+WIND": _wind, "^SLCC": _slcc},
    status=("+ZDONR", "+ZPASR"))
