"""Unsolicited result codes: the typed values, and the parsers of 3GPP 27.007's own lines.

Pure functions (no I/O), tested from transcripts. Each vendor's lines are read in its own
module under ``dialects/``, with these helpers; ``unsolicited`` joins the tables. The GSM
layer decides what a value means for the call in progress; this module only reads lines.
Sources: at-commands.md §2.3, §3, §4.3, §5.2, §6.2.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ring:
    pass


@dataclass(frozen=True)
class CallerId:
    number: str | None          # None: withheld or not available


@dataclass(frozen=True)
class CallEnded:
    reason: str                 # the marker seen, for the log: "NO CARRIER", "MISSED_CALL", ...


@dataclass(frozen=True)
class CallConnected:
    pass


@dataclass(frozen=True)
class CallAlerting:
    pass


@dataclass(frozen=True)
class IncomingListed:
    """A +CLCC line (SIMCom ``AT+CLCC=1`` URC) showing an incoming call and its number."""

    number: str | None


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class WaitingCall:
    number: str | None


@dataclass(frozen=True)
class NewSms:
    memory: str
    index: int


@dataclass(frozen=True)
class SmsPdu:
    pdu: str


@dataclass(frozen=True)
class Registration:
    stat: int


@dataclass(frozen=True)
class Signal:
    rssi: int


@dataclass(frozen=True)
class Boot:
    marker: str


@dataclass(frozen=True)
class SimStatus:
    state: str


@dataclass(frozen=True)
class Other:
    line: str


Urc = (Ring | CallerId | CallEnded | CallConnected | CallAlerting | IncomingListed | Dtmf
       | WaitingCall | NewSms | SmsPdu | Registration | Signal | Boot | SimStatus | Other)

BOOT_MARKERS = ("RDY", "^SYSSTART", "START")
CALL_END_WORDS = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
CLCC_ACTIVE, CLCC_ALERTING, CLCC_INCOMING, CLCC_WAITING, CLCC_RELEASED = 0, 3, 4, 5, 6
# 27.007 <mode>: 0 voice; 3-5 voice phases of alternating/followed-by calls. 1 data, 2 fax and
# the data/fax phases are not calls a person is on (an EG25-G keeps a phantom data call).
VOICE_MODES = (0, 3, 4, 5)
MAX_STAT = 11          # the highest registration <stat> 27.007 defines
MAX_N = 5              # the highest <n> (URC mode) a read answer starts with
# 27.007 lines, and the prefixes of its lines that are unsolicited but mean nothing here.
STATUS = ("RING", "+CRING", "+CFUN", "+CUSD", "+CTZV", "+CTZE", "DST:", "+CIEV", "+CGEV",
          "+CSSI", "+CSSU", "+CDS:", "+CBM:", *BOOT_MARKERS, *CALL_END_WORDS)


def fields(payload: str) -> list[str]:
    """Comma-separated fields with quotes removed (numbers may contain no commas)."""
    return next(csv.reader([payload], skipinitialspace=True), [])


def caller_number(raw: str | None, validity: str | None = None) -> str | None:
    if validity in ("1", "2") or not raw:
        return None
    return raw.strip() or None


def to_int(text: str, default: int = -99) -> int:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return default


def _clip(payload: str, line: str) -> Urc:
    f = fields(payload)
    return CallerId(caller_number(f[0] if f else None, f[5] if len(f) > 5 else None))


def _ccwa(payload: str, line: str) -> Urc:
    f = fields(payload)
    return WaitingCall(caller_number(f[0] if f else None, f[4] if len(f) > 4 else None))


def _cmti(payload: str, line: str) -> Urc:
    f = fields(payload)
    return NewSms(f[0] if f else "SM", to_int(f[1]) if len(f) > 1 else -1)


def _cmt(payload: str, line: str) -> Urc:
    _, _, body = line.partition("\n")
    return SmsPdu(body.strip())


def _creg(payload: str, line: str) -> Urc:
    """URC form: ``+CREG: <stat>[,"<lac>","<ci>"...]``; some modems (Sony-Ericsson MD400,
    Alcatel X220D) put the read answer's ``<n>`` first even unsolicited."""
    stat = registration_read_stat(payload)
    return Registration(stat if stat is not None else to_int(payload.split(",")[0]))


def registration_read_stat(payload: str) -> int | None:
    """``<n>,<stat>[,...]`` (the read answer's form) → stat; None for any other form.

    Only the read form has a bare integer in second place: the unsolicited form has the
    quoted (or hex) location there, or nothing.
    """
    parts = [part.strip() for part in payload.split(",")]
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit() and \
            int(parts[0]) <= MAX_N and int(parts[1]) <= MAX_STAT:
        return int(parts[1])
    return None


def signal(payload: str, line: str) -> Urc:
    return Signal(to_int(fields(payload)[0]) if payload else 99)


def _clcc(payload: str, line: str) -> Urc:
    return call_event(CallEntry.parse(payload), line)


def call_event(entry: CallEntry | None, line: str) -> Urc:
    stat = entry.stat if entry is not None and entry.voice else -1
    if stat == CLCC_RELEASED:
        return CallEnded("+CLCC released")
    if stat == CLCC_ACTIVE:
        return CallConnected()
    if stat == CLCC_ALERTING:
        return CallAlerting()
    if stat == CLCC_INCOMING:
        return IncomingListed(entry.number)
    if stat == CLCC_WAITING:
        return WaitingCall(entry.number)
    return Other(line)


def dtmf(payload: str, line: str) -> Urc:
    digit = payload.strip().strip('"')
    return Dtmf(digit[:1]) if digit else Other(line)


PARSERS: dict[str, Callable[[str, str], Urc]] = {
    "+CLIP": _clip, "+CCWA": _ccwa, "+CMTI": _cmti, "+CMT": _cmt, "+CREG": _creg,
    "+CEREG": _creg, "+CGREG": _creg, "+C5GREG": _creg, "+CLCC": _clcc,
    "+CSQ": signal,          # only ever an answer in 27.007, but some modems print it unasked
    "+COLP": lambda p, ln: CallConnected(),
    "+CPIN": lambda p, ln: SimStatus(sim_state(p)),
}


def sim_state(payload: str) -> str:
    """``+CPIN:`` payload → the state word; some modems quote it (``"SIM PIN"``)."""
    return payload.strip().strip('"').strip()


@dataclass(frozen=True)
class CallEntry:
    """One call of a ``+CLCC`` list: ``<idx>,<dir>,<stat>,<mode>,<mpty>[,<number>,...]``."""

    idx: int
    direction: int
    stat: int
    mode: int
    number: str | None

    @property
    def voice(self) -> bool:
        return self.mode in VOICE_MODES

    @classmethod
    def parse(cls, payload: str) -> CallEntry | None:
        return cls.from_fields(fields(payload))

    @classmethod
    def from_fields(cls, f: list[str]) -> CallEntry | None:
        if len(f) < 3:
            return None
        mode = to_int(f[3]) if len(f) > 3 else 0
        return cls(to_int(f[0]), to_int(f[1]), to_int(f[2]), mode,
                   caller_number(f[5] if len(f) > 5 else None))


def parse_clcc_list(lines: list[str]) -> list[CallEntry]:
    """``AT+CLCC`` answer → its voice calls; an empty list: no call a person is on.

    Data and fax entries are left out: a phantom data call that survives a reset must neither
    be hung up as a leftover nor keep the line "in call" for ever.
    """
    entries = (CallEntry.parse(line.partition(":")[2]) for line in lines)
    return [e for e in entries if e is not None and e.voice]


def rssi_to_dbm(rssi: int) -> int | None:
    """``+CSQ`` rssi → dBm (27.007: 0 → -113, 31 → -51, 99 unknown)."""
    if not 0 <= rssi <= 31:
        return None
    return -113 + 2 * rssi

