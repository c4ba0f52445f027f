"""The corpus of real modem lines from other projects, and the driver's view of each vector.

The vectors live in ``data/*.json``, one file per source project, each with the repository,
commit and licence it was read from and every vector's origin (file and test or fake-modem
class). Only the strings a modem sent and the values the source's own tests assert are taken.
``judge`` runs one vector through the real parsing code and says whether the driver read it as
the source says; ``UNSUPPORTED`` lists, with the reason, what the driver deliberately reads
otherwise, so the counts in the report are honest.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.modem import setup, sms, urc
from hardware.modem.at import AtChannel
from hardware.modem.setup import ModemInfo, ModemProblem, PinGuard

DATA = Path(__file__).with_name("data")

KIND = {urc.Ring: "ring", urc.CallerId: "caller_id", urc.IncomingListed: "caller_id",
        urc.WaitingCall: "waiting_call", urc.CallEnded: "call_ended",
        urc.CallConnected: "call_connected", urc.CallAlerting: "call_alerting",
        urc.Dtmf: "dtmf", urc.NewSms: "new_sms", urc.Registration: "registration",
        urc.Signal: "signal", urc.Boot: "boot", urc.SimStatus: "sim_status",
        urc.Other: "status", urc.SmsPdu: "sms_pdu"}

# These sources keep only the information lines of an answer (their parsers get the text after
# the serial layer has removed the final result code): the replay gives the OK back.
FINALS_STRIPPED = ("modemmanager", "chan_dongle_quectel")

# Vectors the driver reads otherwise on purpose: id -> why.
_DIALLING = ("an answer to our own ATD (outgoing calls are for the callback work; the driver "
             "reads the call's progress from +CLCC and the call-end lines)")
UNSUPPORTED: dict[str, str] = {
    "pg-urc-wavecom-ok-answered": _DIALLING,
    "pg-urc-qualcomm-m6280-connect": _DIALLING,
    "pg-urc-zte-k3565z-connect": _DIALLING,
    "cereg2-unsol-altair": (
        "'+CEREG: 2, 0001, 00000100, 7' reads equally as <n>=2,<stat>=1; the driver re-reads "
        "registration with AT+CREG?/AT+CEREG? on every registration URC, so only the "
        "answer's value is used"),
    "cmgr-generic-same-line": (
        "the PDU on the +CMGR header line after a space (a ModemManager parser test with "
        "no modem named); the message stays on the SIM, nothing is deleted"),
    "cgsn-option-gtm378": ("an IMEI followed by a serial number ('<imei>,<serial>'): the "
                           "IMEI is left empty on the line's page; it is only shown"),
    "pg-nokia-n79-cgmr": ("a four-line firmware version (Nokia N79 phone): the line's page "
                          "shows the first line"),
    "final-cme-error-no-space": ("'+CME ERROR:' with nothing after it ends the command as an "
                                 "error (ModemManager waits on): the command is over either "
                                 "way, and waiting would only cost its timeout"),
}
# Kinds the driver does not act on, so any reading that is not a call event is right.
IGNORED_KINDS = {
    "signal": "signal is polled with AT+CSQ; vendor signal URCs carry nothing for a call",
}


@dataclass(frozen=True)
class Vector:
    source: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def area(self) -> str:
        return self.data["area"]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


@functools.cache
def load() -> tuple[Vector, ...]:
    """Every vector, read once per test process (the files are a few hundred kB)."""
    vectors = []
    for path in sorted(DATA.glob("*.json")):
        document = json.loads(path.read_text())
        vectors += [Vector(path.stem, v) for v in document["vectors"]]
    return tuple(vectors)


def by_area(area: str) -> list[Vector]:
    return [v for v in load() if v.area == area]


class Replay:
    """An AT channel whose modem answers each command from a table of recorded responses.

    Writing a command feeds its recorded answer back at once, on the same thread, so a
    whole exchange runs without timing; unsolicited lines land in ``urcs``.
    """

    def __init__(self, responses: dict[str, list[str]], default: list[str] | None = None,
                 *, timeout: float = 0.3) -> None:
        self.responses = responses
        self.default = default if default is not None else ["ERROR"]
        self.urcs: list[str] = []
        self.chan = AtChannel(self._write, self.urcs.append, timeout=timeout, final_grace=0)

    def _write(self, data: bytes) -> None:
        command = data.decode("ascii", "replace").rstrip("\r")
        lines = self.responses.get(command, self.default)
        self.chan.feed(b"".join(f"\r\n{line}\r\n".encode() for line in lines))


# -- what the driver reads from one answer, per command ---------------------------------------

def _identity(command: str) -> Callable[[Replay], Any]:
    def read(replay: Replay) -> Any:
        _, info = setup.identify(replay.chan, None)
        field = {"AT+CGMI": "manufacturer", "AT+CGMM": "model", "AT+CGMR": "firmware",
                 "AT+CGSN": "imei"}[command]
        return {"value": getattr(info, field)}
    return read


def _registration(replay: Replay) -> Any:
    return {"registration": setup.network(replay.chan, ModemInfo()).registration}


def _sim(replay: Replay) -> Any:
    try:
        state = setup.unlock_sim(replay.chan, "l1", None, PinGuard(None), busy_wait_s=0)
    except ModemProblem as problem:
        return {"problem": problem.reason}
    return {"state": state}


def _clock(replay: Replay) -> Any:
    result = replay.chan.command("AT+CCLK?", expect=("+CCLK:",))
    # The driver also refuses years before 2024 (a clock NITZ never set); these vectors
    # are from 2014-2017, so the year floor is lowered to test the reading itself.
    return {"when": setup.parse_cclk(result.first("+CCLK:") or "", min_year=2000)}


def _calls(replay: Replay) -> Any:
    result = replay.chan.command("AT+CLCC", expect=("+CLCC:",))
    return {"calls": urc.parse_clcc_list(result.lines)}


def _listing(replay: Replay) -> Any:
    return {"messages": sms.list_stored(replay.chan)}


def _read_one(index: int) -> Callable[[Replay], Any]:
    return lambda replay: {"pdu": sms.read_stored(replay.chan, index)}


def _operator(replay: Replay) -> Any:
    return {"operator": setup.network(replay.chan, ModemInfo()).operator}


def _signal(replay: Replay) -> Any:
    return {"signal_dbm": setup.network(replay.chan, ModemInfo()).signal_dbm}


READERS: dict[str, Callable[[Replay], Any]] = {
    "AT+CGMI": _identity("AT+CGMI"), "AT+CGMM": _identity("AT+CGMM"),
    "AT+CGMR": _identity("AT+CGMR"), "AT+CGSN": _identity("AT+CGSN"),
    "AT+CREG?": _registration, "AT+CEREG?": _registration, "AT+CPIN?": _sim,
    "AT+CCLK?": _clock, "AT+CLCC": _calls, "AT+CMGL=4": _listing, "AT+COPS?": _operator,
    "AT+CSQ": _signal,
}


def final_only(vector: Vector) -> bool:
    """ModemManager's serial-parser vectors: only whether a line ends a command."""
    return vector["command"] == "AT" and "final" in vector["expect"]


def driver_command(vector: Vector) -> str | None:
    """The command the driver sends for this recorded answer, or None if it never asks."""
    command = vector["command"]
    if command in READERS:
        return command
    if command.startswith("AT+CMGL"):
        return "AT+CMGL=4"              # the driver lists all; the answer's shape is the same
    if command.startswith("AT+CMGR="):
        return command
    return None


def read_answer(vector: Vector, *, inject: tuple[int, str] | None = None) -> tuple[Any, Replay]:
    """Run the driver's reading of ``vector``'s recorded answer (optionally with an
    unsolicited ``line`` inserted before response line ``at``)."""
    command = driver_command(vector)
    assert command is not None
    response = list(vector["response"])
    if vector.source in FINALS_STRIPPED and not any(_is_final(line) for line in response):
        response.append("OK")
    if inject is not None:
        at, line = inject
        response.insert(at, line)
    replay = Replay({command: response}, ["OK"])
    if command.startswith("AT+CMGR="):
        return _read_one(int(command[8:]))(replay), replay
    return READERS[command](replay), replay


def _is_final(line: str) -> bool:
    return line in ("OK", "ERROR", "COMMAND NOT SUPPORT") or line.startswith(
        ("+CME ERROR", "+CMS ERROR"))
