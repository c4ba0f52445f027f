"""Schedules, menus, greetings and overflow, through the core with simulated hardware."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.core.engine import network_utc
from appliance.errors import ValidationError

WEEKDAYS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SATURDAY_11_MADRID = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
CHRISTMAS_11_MADRID = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)   # a Friday


@pytest.fixture
def hours(office):
    office.add("schedules", id="hours", name="Hours", timezone="Europe/Madrid", weekly=WEEKDAYS,
               holidays={"country": "ES"},
               closed_action={"action": "message", "text": "We are closed."})
    office.change("lines", "l1", schedule="hours")
    return office


@pytest.fixture
def menu(office):
    office.add("teams", id="support", name="Support", strategy="linear", members=["a3"],
               max_wait_s=0, wrap_up_s=0)
    office.add("menus", id="sub", name="Sub", prompt={"text": "Sub menu."},
               options={"1": {"team": "support"}})
    office.add("menus", id="main", name="Main", prompt={"text": "Press 1 for sales."},
               options={"1": {"team": "sales"}, "2": {"menu": "sub"}, "9": {"action": "repeat"}},
               timeout_s=5, retries=1, fallback={"team": "support"})
    office.change("lines", "l1", entry={"menu": "main"})
    return office


def test_open_hours_route_to_the_team(hours):
    hours.call("l1")
    assert hours.call_on("l1").state == "offered"


def test_out_of_hours_plays_the_message_then_hangs_up_as_closed(hours):
    hours.set_time(SATURDAY_11_MADRID)
    hours.call("l1")
    assert hours.heard("l1") == ["say:We are closed."]
    assert hours.hw.lines["l1"].commands == ["answer", "hangup"]
    record = hours.last_call()
    assert (record["outcome"], record["reason"]) == ("closed", "closed:outside_hours")
    assert hours.ringing() == set()


def test_a_public_holiday_is_closed(hours):
    hours.set_time(CHRISTMAS_11_MADRID)
    hours.call("l1")
    assert (hours.last_call()["outcome"], hours.last_call()["reason"]) == (
        "closed", "closed:holiday")


def test_out_of_hours_voicemail_records_the_caller(hours):
    hours.change("schedules", "hours", closed_action={"action": "voicemail",
                                                       "text": "Leave a message."})
    hours.set_time(SATURDAY_11_MADRID)
    hours.call("l1")
    assert hours.heard("l1") == ["say:Leave a message."]
    assert hours.hw.audio.recording == {"line:l1": hours.call_on("l1").id}
    assert hours.call_on("l1").state == "voicemail"
    hours.caller_hangs_up("l1")
    assert hours.last_call()["outcome"] == "voicemail"


def test_menu_digit_routes_to_a_team(menu):
    menu.call("l1")
    assert menu.call_on("l1").state == "menu"
    assert menu.heard("l1") == ["say:Press 1 for sales."]
    menu.press("l1", "1")
    assert menu.call_on("l1").team == "sales"
    assert menu.ringing() == {"s1"}


def test_menu_submenu_then_star_goes_back_then_zero_reaches_an_agent(menu):
    menu.call("l1")
    menu.press("l1", "2")
    assert menu.heard("l1")[-1] == "say:Sub menu."
    menu.press("l1", "*")
    assert menu.heard("l1")[-1] == "say:Press 1 for sales."
    menu.press("l1", "0")
    assert menu.call_on("l1").team == "sales"     # the first team in the menu tree


def test_menu_invalid_input_then_timeout_falls_back(menu):
    menu.call("l1")
    menu.press("l1", "7")
    assert menu.heard("l1")[-1] == "say:Sorry, that is not an option. Press 1 for sales."
    menu.advance(4.9)
    assert menu.call_on("l1").state == "menu"
    menu.advance(0.1)
    assert menu.call_on("l1").team == "support"    # retries=1 used up: the fallback
    assert menu.ringing() == {"s3"}


def test_menu_repeat_does_not_count_as_a_failure(menu):
    menu.call("l1")
    menu.press("l1", "9")
    menu.press("l1", "9")
    menu.press("l1", "9")
    assert menu.call_on("l1").state == "menu"
    assert menu.heard("l1").count("say:Press 1 for sales.") == 4


def test_caller_leaving_the_menu_is_abandoned(menu):
    menu.call("l1")
    menu.caller_hangs_up("l1")
    assert menu.last_call()["outcome"] == "abandoned"
    assert menu.last_call()["team"] is None


def test_greeting_plays_first_and_a_key_during_it_goes_to_the_menu(menu):
    menu.change("lines", "l1", greeting={"text": "Thanks for calling."})
    menu.hw.audio.prompts_end = False     # the greeting is still playing when 1 is pressed
    menu.call("l1")
    assert menu.heard("l1") == ["say:Thanks for calling."]
    assert menu.call_on("l1").state == "message"
    menu.press("l1", "1")
    assert menu.call_on("l1").team == "sales"


def test_greeting_then_entry(office):
    office.change("lines", "l1", greeting={"text": "Hello."})
    office.call("l1")
    assert office.heard("l1") == ["say:Hello.", "tone:hold (loop)"]
    assert office.call_on("l1").state == "offered"


def test_max_wait_overflow_plays_the_message_and_hangs_up(office):
    office.change("teams", "sales", members=["a1"], max_wait_s=60,
                  overflow={"action": "message", "text": "Busy, call later."})
    office.pick_up("s1")
    office.call("l1")
    office.advance(59)
    assert office.call_on("l1").state == "queued"
    office.advance(1)
    record = office.last_call()
    assert (record["outcome"], record["reason"], record["wait_s"]) == ("failed", "max_wait", 60.0)
    assert office.heard("l1")[-1] == "say:Busy, call later."


def test_max_wait_overflow_to_another_team_keeps_the_callers_place(office):
    office.add("teams", id="backup", name="Backup", strategy="linear", members=["a2"],
               max_wait_s=0, wrap_up_s=0)
    office.change("teams", "sales", members=["a1"], max_wait_s=30,
                  overflow={"action": "team", "team": "backup"})
    office.pick_up("s1")
    office.call("l1")
    office.advance(30)
    call = office.call_on("l1")
    assert (call.team, call.state) == ("backup", "offered")
    assert office.ringing() == {"s2"}
    office.pick_up("s2")
    office.put_down("s2")
    assert office.last_call()["wait_s"] == 30.0


def test_max_wait_overflow_to_voicemail(office):
    office.change("teams", "sales", max_wait_s=30, overflow={"action": "voicemail"})
    for station in ("s1", "s2", "s3"):
        office.pick_up(station)
    office.call("l1")
    office.advance(30)
    assert office.call_on("l1").state == "voicemail"
    assert office.hw.audio.recording == {"line:l1": office.call_on("l1").id}
    office.advance(120)                       # the longest message allowed
    assert office.last_call()["outcome"] == "voicemail"
    assert office.hw.lines["l1"].commands[-1] == "hangup"


def test_the_out_of_hours_message_says_the_current_hours(hours):
    hours.change("schedules", "hours", closed_action={
        "action": "message", "text": "We are closed. {hours}"})
    hours.set_time(SATURDAY_11_MADRID)
    hours.call("l1")
    assert hours.heard("l1") == [
        "say:We are closed. We are open Monday to Friday from 9:00 to 18:00."]
    hours.change("schedules", "hours", weekly={"mon": [["10:00", "14:00"]]})
    hours.change("lines", "l2", schedule="hours")
    hours.call("l2")
    assert hours.heard("l2")[-1] == "say:We are closed. We are open on Mondays from 10:00 to 14:00."


def test_a_spanish_box_says_its_own_phrases_in_spanish(menu):
    menu.engine.on_core(lambda core: setattr(core.office, "language", "es"))
    menu.call("l1")
    menu.press("l1", "7")
    assert menu.heard("l1")[-1] == "say:Lo sentimos, esa opción no existe. Press 1 for sales."


def test_a_network_time_without_zone_is_read_in_the_lines_time_zone(hours):
    """Some modems give +CCLK without its zone (issue 9): it is the office's wall time."""
    config = hours.engine.office.config
    winter = datetime(2026, 12, 4, 10, 0)                 # Madrid is UTC+1 in December
    assert network_utc(winter, config, "l1") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert network_utc(winter, config, "l2") is None       # no schedule: nothing to go by
    aware = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert network_utc(aware, config, "l2") == aware


def test_a_message_option_inside_hours_is_recorded_as_message_not_closed(menu):
    """Issue 10: the day's figures counted an informational message as out of hours."""
    menu.change("menus", "main", options={"1": {"team": "sales"},
                                          "4": {"action": "message", "text": "We moved."}})
    menu.call("l1")
    menu.press("l1", "4")
    assert (menu.last_call()["outcome"], menu.last_call()["reason"]) == ("message", "message")


@pytest.mark.parametrize(("step", "act"), [
    ("on_digit", lambda office: office.press("l1", "1")),       # an event handler fails
    ("on_timeout", lambda office: office.advance(5)),           # a call's timer fails
])
def test_a_core_failure_on_one_call_ends_it_cleanly(menu, mocker, step, act):
    """Issue 10: a routing step that raised left the caller in the menu for ever."""
    mocker.patch(f"appliance.core.calls.menus.{step}", side_effect=AttributeError("a bug"))
    menu.call("l1")
    act(menu)
    assert (menu.last_call()["outcome"], menu.last_call()["reason"]) == \
        ("failed", "internal_error")
    assert menu.status.line("l1").state == "idle"
    assert menu.hw.lines["l1"].commands[-1] == "hangup"
    assert menu.engine.failures == 1
    assert any("internal error 1 time" in w for w in menu.app.api.warnings())
    menu.call("l1")                                              # the line still works
    assert menu.call_on("l1").state == "menu"
    menu.engine.failures = 0                  # seen and expected (the fixture checks it is 0)


def test_a_sip_target_is_checked_and_kept_in_the_contract_shape(office):
    with pytest.raises(ValidationError) as err:
        office.change("lines", "l1", entry={"sip": "pbx extension 100"})
    assert "entry.sip" in err.value.fields
    with pytest.raises(ValidationError) as err:
        office.change("lines", "l1", entry={"sip": "sip:100@pbx", "team": "sales"})
    assert "sip" in err.value.fields["entry"]
    with pytest.raises(ValidationError) as err:
        office.add("schedules", id="h", name="H", timezone="Europe/Madrid", weekly=WEEKDAYS,
                   closed_action={"sip": "sip:100@pbx"})
    assert "closed_action.sip" in err.value.fields
    office.change("lines", "l1", entry={"sip": "sip:100@192.168.1.5"})
    assert office.store.get("lines", "l1")["entry"] == {"sip": "sip:100@192.168.1.5"}


def test_a_menu_key_to_the_pbx_without_a_gateway_tells_the_caller_and_records_why(menu):
    """On a box whose settings have no [sip] gateway, the line has no way to the PBX."""
    menu.change("menus", "main", options={"1": {"team": "sales"},
                                          "9": {"sip": "sip:100@192.168.1.5"}})
    menu.call("l1")
    menu.press("l1", "9")
    record = menu.app.api.calls(limit=1)[0]
    assert (record["outcome"], record["reason"]) == ("failed", "no_gateway")


def test_the_simulator_says_where_the_pbx_takes_the_call(menu):
    menu.change("lines", "l1", entry={"sip": "sip:100@192.168.1.5"})
    trial = menu.app.api.admin.simulate("l1", datetime(2026, 11, 25, 10, tzinfo=UTC), "")
    assert trial["outcome"] == "answered"
    pbx = next(step for step in trial["steps"] if step["kind"] == "pbx")
    assert "sip:100@192.168.1.5" in pbx["text"]
