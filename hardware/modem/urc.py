"""Unsolicited result codes: one table from a modem's line to a typed value, for every dialect.

Pure functions (no I/O), tested from transcripts. The GSM layer decides what a value means
for the call in progress; this module only reads lines. Sources: at-commands.md §2.3, §3, §4.3,
§5.2, §6.2 and the vendor tables there.
"""

from __future__ import annotations

import csv
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
CEND_CAUSES = {17: "BUSY", 19: "NO ANSWER", 21: "BUSY"}   # 3GPP 24.008 cc_cause → result word
QUECTEL_CCINFO_STATES = {-1: CallEnded("ccinfo released"), 0: CallConnected(), 3: CallAlerting()}
DSCI_STATES = {6: CallEnded("^DSCI released"), 3: CallConnected(), 7: CallAlerting()}
WIND_EVENTS = {2: CallAlerting(), 6: CallEnded("+WIND: 6")}   # Wavecom, after AT+WIND=50
URC_PREFIXES = ("RING", "+CRING", "+CLIP", "+CCWA", "+CMTI", "+CMT:", "+CREG", "+CEREG",
                "+CGREG", "+C5GREG", "+CSQN", "^RSSI", "+QIND", "^CEND", "^CONN", "^CONF",
                "^ORIG", "^DSCI", "+DTMF", "+RXDTMF", "^DDTMF", "+QTONEDET", "MISSED_CALL",
                "VOICE CALL", "HANGUP", "+CPIN", "+QUSIM", "SMS DONE", "PB DONE", "Call Ready",
                "SMS Ready", "^BOOT", "^MODE", "^SRVST", "^SIMST", "+CFUN", "+CLCC", "+COLP",
                "^SMMEMFULL", "+CUSD", "+CTZV", "+CTZE", "*PSUTTZ", "*PSNWID", "DST:", "+CIEV",
                "^DDSETEX", "^DSFLOWRPT", "^HCSQ", "^CERSSI", "^NDISSTAT", "^NWTIME", "^TIME",
                "^STIN", "^EONS", "^SYSINFOEX", "^ACTIVEBAND", "^THERM", "+CGEV", "+CSSI",
                "+CSSU", "+STIN", "+STKPCI", "+CPSI", "+CNSMOD", "+PACSP", "+QNITZ", "+QSTK",
                "+QGPSURC", "+CDS:", "+CBM:", "^SLCC", "+WIND", "+ZDONR", "+ZPASR",
                *BOOT_MARKERS, *CALL_END_WORDS)


def fields(payload: str) -> list[str]:
    """Comma-separated fields with quotes removed (numbers may contain no commas)."""
    return next(csv.reader([payload], skipinitialspace=True), [])


def is_urc(line: str) -> bool:
    """Whether ``line`` looks unsolicited; decides bare lines while a command is in flight."""
    return line.startswith(URC_PREFIXES)


def _number(raw: str | None, validity: str | None = None) -> str | None:
    if validity in ("1", "2") or not raw:
        return None
    return raw.strip() or None


def _int(text: str, default: int = -99) -> int:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return default


def parse(line: str) -> Urc:
    """Type one unsolicited line (two-line URCs arrive joined by ``\\n``)."""
    head, _, payload = line.partition(":")
    payload = payload.strip()
    if line in ("RING", "+CRING: VOICE") or line.startswith("+CRING"):
        return Ring()
    if line in CALL_END_WORDS:
        return CallEnded(line)
    if line in BOOT_MARKERS:
        return Boot(line)
    parser = _PARSERS.get(head)
    if parser is not None:
        return parser(payload, line)
    if head == "HANGUP":                          # ZTE / Qualcomm: "HANGUP: <call id>"
        return CallEnded("HANGUP")
    if line.startswith("VOICE CALL: END") or line.startswith("VOICE CALL:END"):
        return CallEnded("VOICE CALL: END")
    if line.startswith("VOICE CALL: BEGIN"):
        return CallConnected()
    return Other(line)


def _clip(payload: str, line: str) -> Urc:
    f = fields(payload)
    return CallerId(_number(f[0] if f else None, f[5] if len(f) > 5 else None))


def _ccwa(payload: str, line: str) -> Urc:
    f = fields(payload)
    return WaitingCall(_number(f[0] if f else None, f[4] if len(f) > 4 else None))


def _cmti(payload: str, line: str) -> Urc:
    f = fields(payload)
    return NewSms(f[0] if f else "SM", _int(f[1]) if len(f) > 1 else -1)


def _cmt(payload: str, line: str) -> Urc:
    _, _, body = line.partition("\n")
    return SmsPdu(body.strip())


def _creg(payload: str, line: str) -> Urc:
    """URC form: ``+CREG: <stat>[,"<lac>","<ci>"...]``; some modems (Sony-Ericsson MD400,
    Alcatel X220D) put the read answer's ``<n>`` first even unsolicited."""
    stat = registration_read_stat(payload)
    return Registration(stat if stat is not None else _int(payload.split(",")[0]))


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


def _signal(payload: str, line: str) -> Urc:
    return Signal(_int(fields(payload)[0]) if payload else 99)


def _qind(payload: str, line: str) -> Urc:
    f = fields(payload)
    kind = f[0] if f else ""
    if kind == "ccinfo" and len(f) > 3:
        if len(f) > 4 and _int(f[4]) not in VOICE_MODES:
            return Other(line)
        return QUECTEL_CCINFO_STATES.get(_int(f[3]), Other(line))
    if kind == "csq" and len(f) > 1:
        return Signal(_int(f[1]))
    return Other(line)


def _clcc(payload: str, line: str) -> Urc:
    return _call_event(CallEntry.parse(payload), line)


def _call_event(entry: CallEntry | None, line: str) -> Urc:
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


def _slcc(payload: str, line: str) -> Urc:
    """Cinterion ``^SLCC``: a +CLCC entry with a traffic-channel field before the number; the
    list ends with an empty ``^SLCC:`` line, which alone means no call is left."""
    f = fields(payload)
    if not f:
        return CallEnded("^SLCC empty")
    return _call_event(CallEntry.from_fields([*f[:5], *f[6:]]), line)


def _dsci(payload: str, line: str) -> Urc:
    """``^DSCI: <id>,<dir>,<stat>,<type>,<number>,<type>``: its stat numbers differ from
    +CLCC's (3 connected, 7 alerting); 4 is an incoming call with its number."""
    f = fields(payload)
    stat = _int(f[2]) if len(f) > 2 else -1
    if stat == CLCC_INCOMING:
        return IncomingListed(_number(f[4] if len(f) > 4 else None))
    return DSCI_STATES.get(stat, Other(line))


def _cend_cause(payload: str) -> int:
    f = fields(payload)
    return _int(f[3]) if len(f) > 3 else -1


def _qtonedet(payload: str, line: str) -> Urc:
    code = _int(payload)
    return Dtmf(chr(code)) if 32 < code < 127 else Other(line)


def _dtmf(payload: str, line: str) -> Urc:
    digit = payload.strip().strip('"')
    return Dtmf(digit[:1]) if digit else Other(line)


_PARSERS = {
    "+CLIP": _clip, "+CCWA": _ccwa, "+CMTI": _cmti, "+CMT": _cmt, "+CREG": _creg,
    "+CEREG": _creg, "+CGREG": _creg, "+CSQN": _signal, "^RSSI": _signal, "+QIND": _qind,
    "+CLCC": _clcc, "^DSCI": _dsci, "+QTONEDET": _qtonedet, "+DTMF": _dtmf, "+RXDTMF": _dtmf,
    "^DDTMF": _dtmf, "^SLCC": _slcc, "+C5GREG": _creg,
    "+WIND": lambda p, ln: WIND_EVENTS.get(_int(fields(p)[0]) if p else -1, Other(ln)),
    "^CEND": lambda p, ln: CallEnded(CEND_CAUSES.get(_cend_cause(p), "^CEND")),
    "^CONN": lambda p, ln: CallConnected(),
    "^CONF": lambda p, ln: CallAlerting(), "+COLP": lambda p, ln: CallConnected(),
    "MISSED_CALL": lambda p, ln: CallEnded("MISSED_CALL"),
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
        mode = _int(f[3]) if len(f) > 3 else 0
        return cls(_int(f[0]), _int(f[1]), _int(f[2]), mode,
                   _number(f[5] if len(f) > 5 else None))


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

