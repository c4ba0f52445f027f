"""Quectel: the EC25 family (EC21, EG25, EG91, EG95), and the lines Quectel modems print."""

from __future__ import annotations

from hardware.modem.urc import (
    VOICE_MODES,
    CallAlerting,
    CallConnected,
    CallEnded,
    Dtmf,
    IncomingListed,
    Other,
    Signal,
    Urc,
    caller_number,
    fields,
    to_int,
)

from .profile import Dialect, Family, Profile

_EC25_REV = "EC25EFAR06A06M4G"
CCINFO_STATES = {-1: CallEnded("ccinfo released"), 0: CallConnected(), 3: CallAlerting()}
DSCI_STATES = {6: CallEnded("^DSCI released"), 3: CallConnected(), 7: CallAlerting()}
DSCI_INCOMING = 4


def _qind(payload: str, line: str) -> Urc:
    """``+QIND: "ccinfo",<id>,<dir>,<stat>,<mode>,...`` (after AT+QINDCFG="ccinfo",1) and
    ``+QIND: "csq",<rssi>,<ber>``."""
    f = fields(payload)
    kind = f[0] if f else ""
    if kind == "ccinfo" and len(f) > 3:
        if len(f) > 4 and to_int(f[4]) not in VOICE_MODES:
            return Other(line)
        return CCINFO_STATES.get(to_int(f[3]), Other(line))
    if kind == "csq" and len(f) > 1:
        return Signal(to_int(f[1]))
    return Other(line)


def _dsci(payload: str, line: str) -> Urc:
    """``^DSCI: <id>,<dir>,<stat>,<type>,<number>,<type>``: its stat numbers differ from
    +CLCC's (3 connected, 7 alerting); 4 is an incoming call with its number."""
    f = fields(payload)
    stat = to_int(f[2]) if len(f) > 2 else -1
    if stat == DSCI_INCOMING:
        return IncomingListed(caller_number(f[4] if len(f) > 4 else None))
    return DSCI_STATES.get(stat, Other(line))


def _qtonedet(payload: str, line: str) -> Urc:
    """``+QTONEDET: <ASCII code of the digit>``."""
    code = to_int(payload)
    return Dtmf(chr(code)) if 32 < code < 127 else Other(line)


EC25 = Profile(
    Dialect.EC25, "Quectel", markers=("QUECTEL", "EC25", "EG25", "EC21", "EG91", "EG95"),
    init=('AT+QINDCFG="ccinfo",1,0', "AT+QTONEDET=1"), iccid=("AT+QCCID", "+QCCID:"),
    dtmf_dedupe_s=0.1,
    manufacturer="Quectel", model="EC25", revision=_EC25_REV,
    ati=("Quectel", "EC25", f"Revision: {_EC25_REV}"), boot=("RDY", "+CFUN: 1"),
    sim_ready=("+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
    iccid_answers={"+QCCID": "+QCCID: ", "+CCID": "+CCID: "}, lte=True, act=7,
    dtmf_enable="+QTONEDET", dtmf_urc="+QTONEDET: {code}", signal_urc='+QIND: "csq",{rssi},99',
    status=("+CGEV: NW PDN DEACT 2", "+CGEV: ME PDN ACT 2, 3, 4", "+CPCMREG: 0"),
    accepts=frozenset({"+QCFG", "+QPCMV", "+QAUDMOD", "+QMIC", "+QRXGAIN", "+QDAI",
                       "+QGPSCFG"}))

FAMILY = Family(
    "Quectel", (EC25,),
    parsers={"+QIND": _qind, "^DSCI": _dsci, "+QTONEDET": _qtonedet},
    status=("+QUSIM", "+QNITZ", "+QSTK", "+QGPSURC", "+PACSP", "+CPCMREG"))
