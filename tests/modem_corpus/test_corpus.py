"""Real modem lines from other projects' test data, read by the driver's own parsing code.

Each vector says what a modem sent and what the source project's tests assert it means
(data/*.json, with the repository, commit and test each came from). The answers run through
the real AT channel and the driver's set-up functions; then every unsolicited line of the
corpus is slipped into every answer, and the answer must read the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hardware.modem import unsolicited
from hardware.modem.at import AtTimeout
from hardware.modem.pdu import decode_deliver
from hardware.modem.setup import REGISTRATION_TEXT, rssi_to_dbm

from . import corpus
from .corpus import IGNORED_KINDS, KIND, UNSUPPORTED, Vector

URCS = corpus.by_area("urc")
ANSWERS = [v for v in corpus.by_area("answer") if corpus.driver_command(v) is not None]
DELIVERS = corpus.by_area("sms_deliver")
# The corpus's unsolicited lines that carry nothing for the call or SMS in progress: any of
# them may come in the middle of any answer.
STRAY = sorted({v["line"].strip() for v in URCS} - {"OK", "CONNECT", "NO CARRIER", "BUSY"})


def ids(vectors: list[Vector]) -> list[str]:
    return [v.id for v in vectors]


def supported(vector: Vector) -> Vector:
    if vector.id in UNSUPPORTED:
        pytest.skip(f"deliberately unsupported: {UNSUPPORTED[vector.id]}")
    return vector


# -- unsolicited lines -------------------------------------------------------------------------

@pytest.mark.parametrize("vector", URCS, ids=ids(URCS))
def test_unsolicited_line_means_what_the_source_says(vector):
    expect, parsed = supported(vector)["expect"], unsolicited.parse(vector["line"])
    kind = KIND[type(parsed)]
    if expect["kind"] in IGNORED_KINDS:
        assert kind in (expect["kind"], "status"), parsed
        return
    assert kind == expect["kind"], parsed
    for field, attribute in (("number", "number"), ("digit", "digit"), ("stat", "stat"),
                             ("index", "index"), ("state", "state")):
        if field in expect and hasattr(parsed, attribute):
            assert getattr(parsed, attribute) == _blank_to_none(expect[field]), parsed


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


# -- answers -----------------------------------------------------------------------------------

def check_answer(vector: Vector, got: dict[str, Any]) -> None:
    """Compare what the driver read with what the source asserts, per command."""
    expect, command = vector["expect"], corpus.driver_command(vector)
    if "value" in expect:
        assert got["value"] == expect["value"].strip()
    elif command in ("AT+CREG?", "AT+CEREG?"):
        assert got["registration"] == REGISTRATION_TEXT[expect["stat"]]
    elif command == "AT+CPIN?":
        _check_sim(expect, got)
    elif command == "AT+CCLK?":
        _check_clock(expect, got["when"])
    elif command == "AT+CLCC":
        assert [(c.idx, c.direction, c.stat, c.mode, c.number) for c in got["calls"]] == \
            [(c["idx"], c["dir"], c["stat"], c["mode"], _blank_to_none(c["number"]))
             for c in expect["calls"]]
    elif command == "AT+CMGL=4":
        assert got["messages"] == [(m["index"], m["pdu"]) for m in expect["messages"]
                                   if m["stat"] in (0, 1)]
    elif command.startswith("AT+CMGR="):
        (message,) = expect["messages"]
        assert got["pdu"] == (message["pdu"] if message["stat"] in (0, 1) else None)
    elif command == "AT+COPS?":
        assert got["operator"] == expect["operator"]
    elif command == "AT+CSQ":
        assert got["signal_dbm"] == rssi_to_dbm(expect["rssi"])


def _check_sim(expect: dict[str, Any], got: dict[str, Any]) -> None:
    state = expect.get("state")
    if state == "READY":
        assert got == {"state": "READY"}
    elif state is None:
        assert "cannot be read" in got["problem"]
    elif state == "SIM PIN":
        assert "asks for a PIN" in got["problem"]
    elif state == "SIM PUK":
        assert "PUK" in got["problem"]
    else:
        assert f"({state})" in got["problem"], got      # the state, with what to do


def _check_clock(expect: dict[str, Any], when: datetime | None) -> None:
    if expect.get("utc") is None:
        assert when is None
    elif when is not None and when.tzinfo is None:
        # No zone in the answer: the driver keeps the wall time for the core to place in
        # the line's own time zone (ModemManager assumes UTC; the wall time is the same).
        assert when.isoformat() == expect["local"][:19]
    else:
        assert when == datetime.fromisoformat(expect["utc"])


@pytest.mark.parametrize("vector", ANSWERS, ids=ids(ANSWERS))
def test_answer_reads_as_the_source_says(vector):
    got, _ = corpus.read_answer(supported(vector))
    check_answer(vector, got)


@pytest.mark.parametrize("vector", ANSWERS, ids=ids(ANSWERS))
def test_any_unsolicited_line_inside_an_answer_leaves_it_whole(vector):
    """Class 1 of issue 9: a status line between an answer's lines is not part of it."""
    supported(vector)
    own = corpus.driver_command(vector).split("=")[0].rstrip("?")[2:] + ":"
    strays = [line for line in STRAY if not line.startswith(own)]
    positions = range(len(vector["response"]) + (vector.source in corpus.FINALS_STRIPPED))
    for line in strays:
        for at in positions:
            got, replay = corpus.read_answer(vector, inject=(at, line))
            check_answer(vector, got)
            assert line in replay.urcs, (line, at)


FINALS = [v for v in corpus.by_area("answer") if corpus.final_only(v)]


@pytest.mark.parametrize("vector", FINALS, ids=ids(FINALS))
def test_a_final_result_code_ends_a_command_as_the_source_says(vector):
    """Run as a call command (ATD), where NO CARRIER/BUSY... are final too."""
    replay = corpus.Replay({"ATD1;": vector["response"]}, timeout=0.05)
    if not supported(vector)["expect"]["final"]:
        with pytest.raises(AtTimeout):
            replay.chan.command("ATD1;", call_finals=True)
        return
    assert replay.chan.command("ATD1;", call_finals=True).ok is vector["expect"]["ok"]


# -- SMS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("vector", DELIVERS, ids=ids(DELIVERS))
def test_received_sms_decodes_as_the_source_says(vector):
    expect = supported(vector)["expect"]
    message = decode_deliver(vector["pdu"])
    if expect.get("sender") is not None:
        assert message.sender == expect["sender"]
    if expect.get("text") is not None:           # None: 8-bit data the source keeps as bytes
        assert message.text == expect["text"]
    if expect.get("timestamp") is not None:
        assert message.timestamp == datetime.fromisoformat(expect["timestamp"])
    if "concat" in vector.data:
        concat = vector["concat"]
        assert (message.concat.ref, message.concat.total, message.concat.seq) == \
            (concat["ref"], concat["parts"], concat["seq"])
