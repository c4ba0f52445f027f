"""Whole calls through the real core with simulated lines, MockFactory handsets and fake audio."""

from __future__ import annotations

import logging

import pytest

from appliance.errors import NotFound


def test_agent_answers_and_hangs_up(office):
    office.call("l1", "600111222")
    assert office.hw.lines["l1"].commands == ["answer"]
    assert office.call_on("l1").state == "offered"
    assert office.ringing() == {"s1"}
    assert office.agent_state("a1") == "ringing"
    assert office.heard("l1") == ["tone:hold (loop)"]
    office.advance(4)
    office.pick_up("s1")
    call = office.call_on("l1")
    assert (call.state, call.agent, call.team) == ("connected", "a1", "sales")
    assert office.ringing() == set()
    assert frozenset({"line:l1", "station:s1"}) in office.hw.audio.bridges
    assert "line:l1" not in office.hw.audio.playing   # hold audio stopped
    assert office.status.line("l1").state == "in_call"
    office.advance(30)
    office.put_down("s1")
    record = office.last_call()
    assert record | {"id": None, "started": None, "ended": None} == {
        "id": None, "line": "l1", "caller": "600111222", "started": None, "ended": None,
        "outcome": "answered", "reason": "agent_hung_up", "team": "sales", "agent": "a1",
        "wait_s": 4.0, "talk_s": 30.0}
    assert office.hw.lines["l1"].commands == ["answer", "hangup"]
    assert office.status.line("l1").state == "idle"
    assert office.status.calls == ()
    assert office.hw.audio.bridges == set()


def test_first_agent_does_not_answer_then_next_agent_rings(office):
    office.call("l1")
    assert office.ringing() == {"s1"}
    office.advance(10)
    assert office.ringing() == {"s2"}
    assert office.status.agent("a1").missed_in_row == 1
    assert office.agent_state("a1") == "idle"
    office.pick_up("s2")
    assert office.call_on("l1").agent == "a2"
    assert office.status.agent("a1").missed_in_row == 1
    assert office.status.agent("a2").missed_in_row == 0


def test_linear_starts_a_new_round_after_everyone_missed(office):
    office.call("l1")
    for expected in ("s1", "s2", "s3", "s1"):
        assert office.ringing() == {expected}
        office.advance(10)


def test_all_busy_callers_queue_and_are_served_in_arrival_order_across_lines(office):
    office.change("teams", "sales", members=["a1"])
    office.pick_up("s1")                    # Agent 1 is on a personal call: not offered
    office.call("l2", "600000002")
    office.advance(5)
    office.call("l1", "600000001")
    assert {c.state for c in office.status.calls} == {"queued"}
    office.put_down("s1")
    assert office.status.station("s1").call_id == office.call_on("l2").id
    office.pick_up("s1")
    office.advance(20)
    office.put_down("s1")
    assert office.last_call()["caller"] == "600000002"
    assert office.last_call()["wait_s"] == 5.0    # queued 5 s before the agent was free
    assert office.call_on("l1").state == "offered"
    office.pick_up("s1")
    office.put_down("s1")
    assert office.last_call()["caller"] == "600000001"
    assert office.last_call()["wait_s"] == 20.0


def test_caller_hangs_up_while_queued_is_abandoned(office):
    office.change("agents", "a1", presence="away")
    office.change("agents", "a2", presence="away")
    office.change("agents", "a3", presence="away")
    office.call("l1")
    assert office.call_on("l1").state == "queued"
    office.advance(42)
    office.caller_hangs_up("l1")
    record = office.last_call()
    assert (record["outcome"], record["agent"], record["wait_s"]) == ("abandoned", None, 42.0)
    assert office.hw.lines["l1"].commands == ["answer"]   # the caller hung up, not the box
    assert office.status.line("l1").state == "idle"


def test_caller_hangs_up_while_ringing_an_agent(office):
    office.call("l1")
    office.caller_hangs_up("l1")
    assert office.ringing() == set()
    assert office.agent_state("a1") == "idle"
    assert office.status.agent("a1").missed_in_row == 0
    assert office.last_call()["outcome"] == "abandoned"


def test_second_caller_on_a_busy_line_is_rejected_and_logged_busy(office):
    office.call("l1", "600000001")
    office.pick_up("s1")
    office.call("l1", "600000002")
    assert office.hw.lines["l1"].commands == ["answer", "reject_waiting"]
    busy = office.last_call()
    assert (busy["caller"], busy["outcome"], busy["line"]) == ("600000002", "busy", "l1")
    call = office.call_on("l1")
    assert (call.caller, call.state) == ("600000001", "connected")
    assert len(office.status.calls) == 1


def test_wrap_up_keeps_the_agent_free_of_calls_until_it_ends(office):
    office.change("teams", "sales", wrap_up_s=30)
    office.call("l1")
    office.pick_up("s1")
    office.put_down("s1")
    assert office.agent_state("a1") == "wrap_up"
    office.call("l2")
    assert office.ringing() == {"s2"}        # linear would pick a1, but a1 is wrapping up
    office.caller_hangs_up("l2")
    office.change("teams", "sales", members=["a1"])
    office.call("l2")
    assert office.call_on("l2").state == "queued"
    office.advance(29)
    assert office.agent_state("a1") == "wrap_up"
    office.advance(1)
    assert office.agent_state("a1") == "ringing"
    assert office.ringing() == {"s1"}


def test_an_agent_in_two_teams_never_gets_two_calls(office):
    office.add("teams", id="support", name="Support", strategy="ring_all", members=["a1", "a2"],
               ring_timeout_s=10, max_wait_s=0, wrap_up_s=0)
    office.change("teams", "sales", members=["a1"])
    office.change("lines", "l2", entry={"team": "support"})
    office.call("l1")
    assert office.ringing() == {"s1"}
    office.call("l2")
    assert office.ringing() == {"s1", "s2"}
    assert office.status.station("s1").call_id == office.call_on("l1").id
    assert office.status.station("s2").call_id == office.call_on("l2").id
    office.pick_up("s1")
    assert office.call_on("l1").agent == "a1"
    office.advance(10)                        # support rings again: only a2 is free
    assert office.ringing() == {"s2"}
    assert office.agent_state("a1") == "talking"


def test_ring_all_rings_everyone_and_the_first_to_answer_wins(office):
    office.change("teams", "sales", strategy="ring_all")
    office.call("l1")
    assert office.ringing() == {"s1", "s2", "s3"}
    office.pick_up("s2")
    assert office.ringing() == set()
    assert [office.agent_state(a) for a in ("a1", "a2", "a3")] == ["idle", "talking", "idle"]


def test_autopause_sets_an_agent_away_after_missed_offers(office):
    office.change("teams", "sales", members=["a1", "a2"], autopause_after=2)
    office.call("l1")
    office.advance(10)    # a1 misses
    office.advance(10)    # a2 misses
    office.advance(10)    # a1 misses again: away
    assert office.status.agent("a1").presence == "away"
    assert office.store.get("agents", "a1")["presence"] == "away"   # survives a restart
    assert office.ringing() == {"s2"}
    office.advance(10)    # a2 misses again: away too
    assert office.status.agent("a2").presence == "away"
    assert office.call_on("l1").state == "queued"
    assert office.ringing() == set()


def test_autopause_zero_never_pauses(office):
    office.change("teams", "sales", members=["a1"], autopause_after=0)
    office.call("l1")
    for _ in range(6):
        office.advance(10)
    assert office.status.agent("a1").presence == "available"
    assert office.status.agent("a1").missed_in_row == 6


def test_going_away_while_ringing_passes_the_call_on(office, bare_office):
    office.call("l1")
    office.app.api.set_presence("a1", "away")
    office.settle()
    assert office.ringing() == {"s2"}
    assert office.status.agent("a1").missed_in_row == 0


def test_line_failure_mid_call_ends_it_as_failed_and_frees_the_agent(office):
    office.call("l1")
    office.pick_up("s1")
    office.hw.lines["l1"].fail("Modem stopped answering.")
    office.settle()
    assert office.last_call()["outcome"] == "failed"
    line = office.status.line("l1")
    assert (line.state, line.reason, line.call_id) == ("error", "Modem stopped answering.", None)
    assert office.agent_state("a1") == "idle"
    assert office.hw.audio.bridges == set()


def test_max_queue_overflows_at_once(office):
    office.change("teams", "sales", members=["a1"], max_queue=1)
    office.pick_up("s1")
    office.call("l1")
    office.call("l2")
    assert office.call_on("l2") is None
    record = office.last_call()
    assert (record["line"], record["outcome"], record["reason"]) == ("l2", "failed", "queue_full")
    assert office.heard("l2")[-1].startswith("say:All our staff are busy")


def test_each_call_keeps_its_timeline(office):
    office.call("l1")
    office.advance(10)
    office.pick_up("s2")
    office.put_down("s2")
    record = office.last_call()
    kinds = [step["kind"] for step in office.app.history.timeline(record["id"])]
    assert kinds == ["answered", "queued", "offered", "offered", "connected", "ended"]


def test_daily_housekeeping_forgets_calls_past_retention(office):
    office.app.history.append({
        "id": "ancient", "line": "l1", "caller": "600", "started": "2023-01-02T10:00:00+00:00",
        "ended": "2023-01-02T10:01:00+00:00", "outcome": "answered", "reason": "",
        "team": "sales", "agent": "a1", "wait_s": 1.0, "talk_s": 60.0})
    office.call("l1")
    office.caller_hangs_up("l1")
    assert "ancient" in [r["id"] for r in office.history()]
    office.advance(600)                       # the first housekeeping, after start-up
    kept = [r["id"] for r in office.history()]
    assert "ancient" not in kept
    assert len(kept) == 1                     # today's call stays


def test_the_line_is_busy_until_the_device_has_released_the_call(office):
    """A caller who comes in while the modem is still hanging up the last call is a second
    caller (refused and logged busy), not a new call (issue 9, class 8)."""
    line = office.hw.lines["l1"]
    line.release_at_once = False
    office.call("l1", "600111222")
    office.pick_up("s1")
    office.put_down("s1")
    assert office.status.line("l1").state == "in_call"       # hung up, not yet released
    office.call("l1", "600333444")
    assert line.commands[-1] == "reject_waiting"
    assert (office.last_call()["caller"], office.last_call()["outcome"]) == ("600333444", "busy")
    line.released()
    office.settle()
    assert office.status.line("l1").state == "idle"
    office.call("l1", "600555666")
    assert office.call_on("l1").caller == "600555666"


def test_a_line_that_cannot_send_texts_says_so(office):
    """The core asks the driver's capabilities (a fake line has none), not hasattr."""
    with pytest.raises(NotFound, match="cannot send text messages"):
        office.engine.send_sms("l1", "+34600111222", "hola")


def test_verbose_logging_shows_every_event_the_core_handles(office, caplog):
    """``switchboard -v`` is for problem reports: each event, in the order the core took it."""
    with caplog.at_level(logging.DEBUG, logger="appliance.core.engine"):
        office.call("l1", "600111222")
        office.pick_up("s1")
    told = [r.getMessage() for r in caplog.records if r.getMessage().startswith("event ")]
    assert any("IncomingCall(line='l1', caller='600111222'" in m for m in told), told
    assert any("HookChanged(station='s1', off_hook=True" in m for m in told), told
