"""Callbacks through the whole core: the key while waiting keeps the caller's place, the agent
is rung first and the box dials the customer, busy and unanswered tries come back later and
only in hours, one callback per number, and never ahead of a live caller waiting before it.

Lines are in-process fakes that dial and text like SIM lines (``dials=True``); the clock is
manual, so retries and opening hours are driven, not waited for. The pty-modem version of the
same story is ``test_callbacks_modem.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.config.messaging import Messaging
from appliance.errors import Conflict
from hardware.events import SmsReceived
from tests.office import Office, running

X, Y, Z = "600111222", "600333444", "600555666"


@pytest.fixture
def office(tmp_path, clock):
    """One desk (a1 at s1) in team sales (linear, no wrap-up); three SIM-like lines."""
    with running(tmp_path / "data", clock, diallers=True) as o:
        o.add("stations", id="s1", name="Desk 1")
        o.add("agents", id="a1", name="Ana", station="s1")
        o.add("teams", id="sales", name="Sales", strategy="linear", members=["a1"],
              ring_timeout_s=10, max_wait_s=0, wrap_up_s=0, max_queue=0, autopause_after=0,
              callback_tries=2, callback_every_min=10)
        for n in (1, 2, 3):
            o.add("lines", id=f"l{n}", name=f"Line {n}", entry={"team": "sales"})
        o.engine.set_messaging(Messaging(owner_mobile="+34699000000"))
        o.settle()
        yield o


def line(o: Office, line_id: str):
    return o.hw.lines[line_id]


def callbacks(o: Office) -> list[dict]:
    return o.app.api.texting.callbacks()


def texts_sent(o: Office, line_id: str) -> list[tuple[str, str]]:
    """Report every text the line was handed as sent by the network; returns them."""
    sent = []
    while line(o, line_id).outbox:
        sent.append(line(o, line_id).sms_sent())
        o.settle()
    return sent


def busy_agent(o: Office) -> None:
    """a1 takes a call on l1 and stays on it."""
    o.call("l1", "600000001")
    o.pick_up("s1")
    assert o.agent_state("a1") == "talking"


def asks_callback(o: Office) -> None:
    """While a1 is busy, X calls l2, presses 1 and gets the confirmation text."""
    busy_agent(o)
    o.call("l2", X)
    o.press("l2", "1")
    texts_sent(o, "l2")


def test_the_key_while_waiting_keeps_the_place_confirms_and_texts(office):
    o = office
    busy_agent(o)
    o.call("l2", X)
    assert "say:To be called back instead, press 1." in o.heard("l2")
    o.press("l2", "1")
    assert o.call_on("l2") is None                                # confirmed, then hung up
    assert any("We will call you back from this number in about 5 minutes" in h
               for h in o.heard("l2"))
    record = o.last_call()
    assert (record["outcome"], record["reason"]) == ("callback_requested", "callback")
    [cb] = callbacks(o)
    assert (cb["number"], cb["state"], cb["team"], cb["attempts"]) == (X, "waiting", "sales", 0)
    assert (cb["consent"]["channel"], cb["consent"]["call_id"], cb["consent"]["granted"]) == (
        "dtmf", record["id"], True)
    sent = dict(texts_sent(o, "l2"))
    assert sent[X] == "We will call you back from this number in about 5 minutes."
    assert "+34699000000" not in sent                      # the owner's notice goes on l1,
    assert line(o, "l1").outbox == []                      # busy: it waits for the call to end
    o.put_down("s1")
    [(owner, notice)] = texts_sent(o, "l1")
    assert owner == "+34699000000"
    assert X in notice
    assert "Sales" in notice


def test_the_agent_is_rung_first_then_the_customer_is_dialled_and_connected(office):
    o = office
    asks_callback(o)
    o.put_down("s1")                                 # a1 is free: the callback rings s1
    assert o.ringing() == {"s1"}
    [waiting] = o.status.calls
    assert waiting.callback == callbacks(o)[0]["id"]
    assert waiting.caller == X
    assert callbacks(o)[0]["state"] == "ringing"
    o.pick_up("s1")
    assert line(o, "l2").dialled == X                # from the line the customer called
    assert o.hw.audio.played("station:s1")[-1] == (
        "say:Calling back 6 0 0 1 1 1 2 2 2. Dialling now.")
    assert (callbacks(o)[0]["state"], callbacks(o)[0]["attempts"]) == ("calling", 1)
    line(o, "l2").far_end("answered")
    o.settle()
    assert frozenset(("line:l2", "station:s1")) in o.hw.audio.bridges
    assert callbacks(o)[0]["state"] == "done"
    o.put_down("s1")
    record = o.last_call()
    assert (record["caller"], record["outcome"], record["agent"]) == (X, "answered", "a1")
    assert record["reason"] == "callback_agent_hung_up"


def test_never_ahead_of_a_live_caller_who_was_waiting_before(office):
    o = office
    busy_agent(o)
    o.call("l2", Y)                                  # Y waits first
    o.advance(10)
    o.call("l3", X)                                  # X waits after Y, then asks a callback
    o.advance(10)
    o.press("l3", "1")
    texts_sent(o, "l3")
    o.call("l3", Z)                                  # Z comes after X asked
    o.put_down("s1")
    assert o.status.station("s1").call_id == o.call_on("l2").id      # Y first
    assert [to for to, _ in texts_sent(o, "l1")] == ["+34699000000"]  # l1 free of its text
    o.pick_up("s1")
    o.put_down("s1")
    ringing_for = o.status.station("s1").call_id
    assert next(c for c in o.status.calls if c.id == ringing_for).callback   # then X's place
    o.pick_up("s1")
    assert line(o, "l1").dialled == X                # l3 is busy with Z: another free line
    line(o, "l1").far_end("answered")
    o.put_down("s1")
    assert o.status.station("s1").call_id == o.call_on("l3").id      # then Z


def test_busy_and_unanswered_tries_come_back_later_then_give_up(office):
    o = office
    asks_callback(o)
    o.put_down("s1")
    o.pick_up("s1")
    line(o, "l2").far_end("busy")
    o.settle()
    assert (o.last_call()["outcome"], o.last_call()["reason"]) == ("failed", "callback_busy")
    cb = callbacks(o)[0]
    assert (cb["state"], cb["attempts"], cb["result"]) == ("waiting", 1, "callback_busy")
    o.put_down("s1")
    o.advance(9 * 60)
    assert o.ringing() == set()                      # ten minutes between tries
    o.advance(60)
    assert o.ringing() == {"s1"}
    o.pick_up("s1")
    line(o, "l2").far_end("no_answer")
    o.settle()
    cb = callbacks(o)[0]
    assert (cb["state"], cb["attempts"]) == ("failed", 2)   # the team's two tries
    o.put_down("s1")
    o.advance(3600)
    assert o.ringing() == set()


def test_out_of_hours_the_callback_waits_for_the_opening(office):
    o = office
    o.add("schedules", id="week", name="Week", timezone="Europe/Madrid",
          weekly={d: [["11:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    o.change("lines", "l1", schedule="week")
    o.call("l1", X)                                  # 10:00 in Madrid: closed
    assert o.heard("l1")[-1].endswith("To be called back instead, press 1.")
    o.press("l1", "1")
    assert any("today from 11:00" in h for h in o.heard("l1"))
    assert [to for to, _ in texts_sent(o, "l1")] == [X, "+34699000000"]   # no missed-call text
    o.advance(30 * 60)
    assert o.ringing() == set()                      # still closed
    o.set_time(datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC))   # 11:00:01 in Madrid
    assert o.ringing() == {"s1"}


def test_one_callback_per_number(office):
    o = office
    busy_agent(o)
    o.call("l2", X)
    o.press("l2", "1")
    o.call("l3", X)
    o.press("l3", "1")
    assert len(callbacks(o)) == 1
    assert len([c for c in o.status.calls if c.callback]) == 1


def test_taking_consent_back_cancels_the_callback_and_the_core_refuses_to_dial(office):
    o = office
    asks_callback(o)
    o.engine.post(SmsReceived("l2", X, "BAJA.", o.clock.now().isoformat()))
    o.settle()
    assert callbacks(o)[0]["state"] == "cancelled"
    assert [c for c in o.status.calls if c.callback] == []
    with pytest.raises(Conflict):
        o.engine.call_out("l3", X)


def test_the_owner_cancels_a_callback(office):
    o = office
    busy_agent(o)
    o.call("l2", X)
    o.press("l2", "1")
    cid = callbacks(o)[0]["id"]
    o.app.api.texting.cancel_callback(cid)
    assert callbacks(o)[0]["state"] == "cancelled"
    o.put_down("s1")
    assert o.ringing() == set()
    with pytest.raises(Conflict):
        o.app.api.texting.cancel_callback(cid)


def test_open_callbacks_survive_a_restart(tmp_path, clock):
    with running(tmp_path / "data", clock, diallers=True) as o:
        o.add("stations", id="s1", name="Desk 1")
        o.add("agents", id="a1", name="Ana", station="s1", presence="away")
        o.add("teams", id="sales", name="Sales", members=["a1"], wrap_up_s=0)
        o.add("lines", id="l1", name="Line 1", entry={"team": "sales"})
        o.call("l1", X)
        o.press("l1", "1")
    with running(tmp_path / "data", clock, diallers=True) as o:
        assert [c.caller for c in o.status.calls if c.callback] == [X]
        o.store.set_presence("a1", "available")
        o.settle()
        assert o.ringing() == {"s1"}
