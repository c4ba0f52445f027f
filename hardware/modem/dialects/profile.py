"""One modem model as data: what the driver sends it, and what it prints.

The driver reads the first half (set-up, hang-up, ICCID, audio routing, DTMF quirks); the fake
modem plays the second half (identification, boot and SIM-ready lines, the DTMF and signal
URC forms, the vendor's status lines), so the driver is tested against the same description
it drives. Sources: at-commands.md §2.1, §2.4, §2.7, §3.3, §4.3, §5, §7, §8 and other projects'
recorded transcripts (tests/modem_corpus/data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from hardware.modem.urc import Urc

# A URC's payload (after the first ':') and its whole line → its typed value.
Parser = Callable[[str, str], Urc]


class Dialect(StrEnum):
    SIM7600 = "simcom_sim7600"
    SIM800 = "simcom_sim800"
    EC25 = "quectel_ec25"
    HUAWEI = "huawei_e1550"
    GENERIC = "generic"


@dataclass(frozen=True)
class Profile:
    dialect: Dialect
    family: str                          # the vendor, whose URC table this model speaks
    markers: tuple[str, ...] = ()        # in AT+CGMI/AT+CGMM's answers: this model
    # -- what the driver sends --
    init: tuple[str, ...] = ()           # extra set-up; an ERROR here is logged, not fatal
    hangup: str = "AT+CHUP"
    iccid: tuple[str, str] = ("AT+CCID", "+CCID:")   # command, answer prefix ("" = bare line)
    audio_on: tuple[str, ...] = ()       # after the call is answered (voice to the host)
    audio_off: tuple[str, ...] = ()
    dtmf_dedupe_s: float = 0.0           # drop a repeat of the same digit within this window
    # -- what the modem prints (the fake modem plays these) --
    manufacturer: str = "Generic"
    model: str = "GSM MODEM"
    revision: str = "1.0"
    ati: tuple[str, ...] = ("GSM MODEM 1.0",)
    boot: tuple[str, ...] = ()           # before the SIM is read
    sim_ready: tuple[str, ...] = ()      # after "+CPIN: READY" (boot or once the PIN is in)
    iccid_answers: dict[str, str] = field(default_factory=lambda: {"+CCID": "+CCID: "})
    lte: bool = False                    # has +CEREG
    act: int = 0                         # <AcT> in +COPS / +CREG (0 GSM, 2 UTRAN, 7 E-UTRAN)
    double_cr: bool = False              # "\r\r\n" around URCs
    unknown: str = "ERROR"               # reply to an unknown command
    dtmf_enable: str | None = None       # command that must be "=1" before DTMF URCs are sent
    dtmf_urc: str = "+DTMF: {d}"         # "{d}" digit, "{code}" ASCII code
    signal_urc: str = "+CSQ: {rssi},99"
    clip_tail: str = ",,,,0"             # after number,type in +CLIP
    status: tuple[str, ...] = ()         # vendor status lines that come at any time, unasked
    accepts: frozenset[str] = frozenset()   # vendor commands answered with a plain OK

    @property
    def simcom(self) -> bool:
        return self.family == "SIMCom"


@dataclass(frozen=True)
class Family:
    """A vendor: its models, and the unsolicited lines its modems print.

    ``parsers`` read the lines that matter to a call (keyed by the text before ':');
    ``status`` are prefixes of lines that are unsolicited but mean nothing to the box (so
    they are never taken for part of an answer).
    """

    name: str
    profiles: tuple[Profile, ...] = ()
    parsers: dict[str, Parser] = field(default_factory=dict)
    status: tuple[str, ...] = ()
