"""The owner changes the configuration while calls are live: nothing rings for ever, no call
waits for ever, nothing crashes (found by review; each failed before its fix)."""

from __future__ import annotations


def test_moving_a_ringing_agent_to_another_desk_silences_the_old_one(office):
    office.add("stations", id="s4", name="Desk 4")
    office.call("l1")
    assert office.ringing() == {"s1"}
    office.change("agents", "a1", station="s4")
    assert "s1" not in office.ringing()
    office.caller_hangs_up("l1")
    assert office.ringing() == set()
    assert office.status.station("s1").ringing is False


def test_deleting_a_ringing_agent_silences_their_desk(office):
    office.change("teams", "sales", members=["a1", "a2"])
    office.call("l1")
    assert office.ringing() == {"s1"}
    office.change("teams", "sales", members=["a2"])
    office.store.delete("agents", "a1")
    office.settle()
    assert office.ringing() == {"s2"}
    office.caller_hangs_up("l1")
    office.pick_up("s1")
    assert office.ringing() == set()


def test_lifting_a_desk_whose_agent_moved_away_does_not_connect_someone_else(office):
    office.add("stations", id="s4", name="Desk 4")
    office.call("l1")
    office.change("agents", "a1", station="s4")
    office.change("agents", "a2", station="s1")
    assert office.ringing() == {"s4"}           # the call follows Agent 1 to Desk 4
    office.pick_up("s1")                        # Desk 1 (now Agent 2's) was never rung for it
    assert office.call_on("l1").state == "offered"
    assert office.agent_state("a2") == "idle"
    office.pick_up("s4")
    assert office.call_on("l1").agent == "a1"


def test_a_call_queued_for_a_deleted_team_goes_to_the_line_entry(office):
    office.add("teams", id="t2", name="T2", members=[], max_wait_s=0)
    office.change("lines", "l1", entry={"team": "t2"})
    office.call("l1")
    assert office.call_on("l1").state == "queued"
    office.change("lines", "l1", entry={"team": "sales"})
    office.store.delete("teams", "t2")
    office.settle()
    call = office.call_on("l1")
    assert (call.team, call.state) == ("sales", "offered")


def test_a_call_queued_for_a_deleted_team_with_nowhere_to_go_is_told_and_ended(office):
    office.add("teams", id="t2", name="T2", members=[], max_wait_s=0)
    office.add("menus", id="m", name="M", prompt={"text": "Hi"}, options={"1": {"team": "t2"}})
    office.change("lines", "l1", entry={"menu": "m"})
    office.call("l1")
    office.press("l1", "1")
    assert office.call_on("l1").team == "t2"
    office.change("menus", "m", options={"1": {"team": "sales"}})
    office.store.delete("teams", "t2")
    office.settle()
    assert office.call_on("l1") is None
    assert (office.last_call()["outcome"], office.last_call()["reason"]) == ("failed", "no_team")


def test_a_caller_in_a_deleted_menu_goes_to_the_lines_new_entry(office):
    """Issue 10: they were hung up after their next key although a team was free."""
    office.add("menus", id="m", name="M", prompt={"text": "Hi"}, options={"1": {"team": "sales"}})
    office.change("lines", "l1", entry={"menu": "m"})
    office.call("l1")
    assert office.call_on("l1").state == "menu"
    office.change("lines", "l1", entry={"team": "sales"})
    office.store.delete("menus", "m")
    office.settle()
    call = office.call_on("l1")
    assert (call.team, call.state) == ("sales", "offered")
    assert office.ringing() == {"s1"}


def test_a_line_deleted_during_a_call_lets_it_finish_then_stops_answering(office):
    """Issue 10: after the call, the removed line's modem still answered new callers."""
    office.call("l1")
    office.pick_up("s1")
    office.store.delete("lines", "l1")
    office.settle()
    assert office.call_on("l1").state == "connected"       # the call in progress goes on
    office.put_down("s1")
    assert office.last_call()["outcome"] == "answered"
    assert "l1" not in office.engine.office.line_drivers           # the modem is let go
    commands = list(office.hw.lines["l1"].commands)
    office.call("l1", "600999000")                          # a caller on the old number
    assert office.hw.lines["l1"].commands == commands       # is not answered
    assert office.last_call()["caller"] == "600111222"
