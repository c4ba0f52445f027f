"""The call simulator (appliance.policy.simulate): a pure walk over the sample office."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from appliance.config.model import HolidayRegion, Presence
from appliance.config.resources import check_resources
from appliance.core.state import Outcome
from appliance.errors import NotFound, Text, ValidationError
from appliance.ops.seed import SAMPLE_OFFICE
from appliance.policy import simulate as sim
from appliance.policy.schedule import holidays_in
from appliance.policy.simulate import Kind, simulate

MADRID = ZoneInfo("Europe/Madrid")
TUESDAY_10 = datetime(2026, 3, 31, 10, 0, tzinfo=MADRID)
SATURDAY_10 = datetime(2026, 3, 28, 10, 0, tzinfo=MADRID)
MAIN, SECOND = "line-1", "line-2"      # line-1 answers with the menu, line-2 rings the team
STAFF = ["ana", "bruno", "carla"]


def office(**changes: dict[str, dict[str, Any]]) -> Any:
    """The sample office as a Config, with ``changes``: {kind: {id: fields to replace}}; a
    document whose id is new is added."""
    docs = copy.deepcopy(SAMPLE_OFFICE)
    for kind, by_id in changes.items():
        for rid, fields in by_id.items():
            found = next((d for d in docs[kind] if d["id"] == rid), None)
            if found is None:
                docs[kind].append({"id": rid, **fields})
            else:
                found.update(fields)
    config, errors = check_resources(docs)
    assert errors == {}
    return config


def kinds(result: sim.Simulation) -> list[str]:
    return [step.kind.value for step in result.steps]


def only(result: sim.Simulation, kind: Kind) -> sim.Step:
    [step] = [s for s in result.steps if s.kind is kind]
    return step


# --- open, through the menu, to a team ------------------------------------------------------


def test_open_weekday_key_1_queues_for_reception_and_rings_each_desk_in_turn():
    result = simulate(office(), MAIN, TUESDAY_10, "1")
    assert kinds(result) == ["line", "schedule", "menu", "key", "team", "hold", "ring", "ring",
                             "ring", "overflow", "message", "end"]
    assert (result.outcome, result.team, result.agents_rung) == ("answered", "reception",
                                                                tuple(STAFF))
    schedule = only(result, Kind.SCHEDULE)
    assert (schedule.open, schedule.reason, schedule.time) == (
        True, "weekly_hours", "2026-03-31T10:00:00+02:00")
    rings = [(s.after_s, s.agents) for s in result.steps if s.kind is Kind.RING]
    assert rings == [(0, ("ana",)), (15, ("bruno",)), (30, ("carla",))]
    assert result.steps[6].text == ("After 0 s: the handset of Ana (Front desk) rings for up "
                                    "to 15 s.")
    hold = only(result, Kind.HOLD)
    assert (hold.audio, "soft hold tone" in hold.text) == (None, True)
    # If nobody answers within the team's 180 s, its overflow message ends the call.
    overflow, message = result.steps[9], result.steps[10]
    assert (overflow.reason, overflow.unanswered, message.unanswered) == ("max_wait", True, True)
    assert "Sorry, everyone is busy" in message.text
    assert result.steps[-1].text == 'The call ends as "answered"; if nobody answers, as "failed".'


@pytest.mark.parametrize(("strategy", "last", "rings"), [
    ("ring_all", None, [("ana", "bruno", "carla")]),
    ("linear", None, [("ana",), ("bruno",), ("carla",)]),
    ("round_robin", "bruno", [("carla",), ("ana",), ("bruno",)]),
    ("fewest_calls", None, [("ana",), ("bruno",), ("carla",)]),
])
def test_the_ring_order_follows_the_team_strategy(strategy, last, rings):
    config = office(teams={"reception": {"strategy": strategy}})
    result = simulate(config, SECOND, TUESDAY_10, "",
                      last_offered={"reception": last} if last else None)
    assert [s.agents for s in result.steps if s.kind is Kind.RING] == rings
    assert result.agents_rung == tuple(a for ring in rings for a in ring)
    assert only(result, Kind.TEAM).reason == strategy


def test_a_short_wait_limit_cuts_the_round_and_no_limit_keeps_ringing():
    short = simulate(office(teams={"reception": {"max_wait_s": 20}}), SECOND, TUESDAY_10, "")
    assert short.agents_rung == ("ana", "bruno")    # rung at 0 s and 15 s; 30 s is too late
    endless = simulate(office(teams={"reception": {"max_wait_s": 0}}), SECOND, TUESDAY_10, "")
    assert kinds(endless)[-2:] == ["wait", "end"]
    assert endless.steps[-1].text == 'The call ends as "answered".'


def test_busy_away_and_handsetless_agents_are_not_rung_and_say_why():
    config = office(agents={"dora": {"name": "Dora"}},
                    teams={"reception": {"members": ["ana", "bruno", "carla", "dora"]}})
    result = simulate(config, SECOND, TUESDAY_10, "", presence={"bruno": Presence.AWAY},
                      busy={"carla"})
    assert result.agents_rung == ("ana",)
    skipped = [(s.agents, s.text) for s in result.steps if s.kind is Kind.NOT_RUNG]
    assert skipped == [(("bruno",), "Bruno (Desk 2) is not rung: away."),
                       (("carla",), "Carla (Desk 3) is not rung: busy with another call."),
                       (("dora",), "Dora is not rung: no handset.")]


def test_greeting_and_hold_audio_are_named_and_keys_after_the_menus_are_not_used():
    config = office(lines={SECOND: {"greeting": {"text": "Hello from Acme."}}},
                    teams={"reception": {"hold_audio": "a1b2", "announce": "Still here.",
                                         "announce_every_s": 30}})
    result = simulate(config, SECOND, TUESDAY_10, "12#", audio_names={"a1b2": "Jazz"})
    assert only(result, Kind.GREETING).text == 'The line\'s greeting plays: "Hello from Acme."'
    holds = [s for s in result.steps if s.kind is Kind.HOLD]
    assert (holds[0].audio, "hold audio Jazz" in holds[0].text) == ("a1b2", True)
    assert holds[1].text == 'Every 30 s the caller hears: "Still here."'
    unused = only(result, Kind.UNUSED)
    assert (unused.digits, result.steps[-2]) == ("12#", unused)


# --- closed -------------------------------------------------------------------------------


def test_saturday_is_closed_and_the_closed_message_plays_whatever_is_pressed():
    result = simulate(office(), MAIN, SATURDAY_10, "2")
    assert kinds(result) == ["line", "schedule", "closed_action", "message", "unused", "end"]
    schedule = only(result, Kind.SCHEDULE)
    assert (schedule.open, schedule.reason) == (False, "outside_hours")
    assert only(result, Kind.MESSAGE).text == (
        'The caller hears "We are closed. We open Monday to Friday from 9:00 to 18:00.", then '
        "the box hangs up.")
    assert (result.outcome, result.team, result.agents_rung) == ("closed", None, ())


def test_a_closed_voicemail_action_takes_a_message():
    config = office(schedules={"office-hours": {"closed_action": {"action": "voicemail"}}})
    result = simulate(config, MAIN, SATURDAY_10, "")
    assert kinds(result)[-2:] == ["voicemail", "end"]
    assert "Please leave a message after the tone." in result.steps[-2].text
    assert result.outcome == "voicemail"


def test_a_public_holiday_closes_a_weekday():
    may_day = datetime(2026, 5, 1, 10, 0, tzinfo=MADRID)       # a Friday
    name = dict(holidays_in(HolidayRegion("ES", "MD"), 2026))[may_day.date()]
    result = simulate(office(), MAIN, may_day, "1")
    schedule = only(result, Kind.SCHEDULE)
    assert (schedule.open, schedule.reason) == (False, "holiday")
    assert f"public holiday ({name})" in schedule.text
    assert result.outcome == "closed"


@pytest.mark.parametrize(("at", "is_open", "local"), [
    # Spring forward, Sunday 2026-03-29: 07:30 UTC is 09:30 CEST, open (08:30 with winter's
    # offset would be closed); 06:30 UTC is 08:30, closed.
    (datetime(2026, 3, 29, 7, 30, tzinfo=UTC), True, "2026-03-29T09:30:00+02:00"),
    (datetime(2026, 3, 29, 6, 30, tzinfo=UTC), False, "2026-03-29T08:30:00+02:00"),
    (datetime(2026, 3, 28, 7, 30, tzinfo=UTC), False, "2026-03-28T08:30:00+01:00"),
    # Fall back, Sunday 2026-10-25: 07:30 UTC is 08:30 CET, closed; 08:30 UTC is 09:30, open.
    (datetime(2026, 10, 25, 7, 30, tzinfo=UTC), False, "2026-10-25T08:30:00+01:00"),
    (datetime(2026, 10, 25, 8, 30, tzinfo=UTC), True, "2026-10-25T09:30:00+01:00"),
    # A naive time is read in the line's schedule's zone.
    (datetime(2026, 3, 29, 9, 30), True, "2026-03-29T09:30:00+02:00"),
])
def test_dst_days_open_at_the_local_hour(at, is_open, local):
    every_day = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri",
                                                        "sat", "sun")}
    result = simulate(office(schedules={"office-hours": {"weekly": every_day}}), SECOND, at, "")
    schedule = only(result, Kind.SCHEDULE)
    assert (schedule.open, schedule.time) == (is_open, local)
    assert result.outcome == ("answered" if is_open else "closed")


# --- the menu -----------------------------------------------------------------------------


def test_an_invalid_key_is_an_attempt_and_the_menu_plays_again():
    result = simulate(office(), MAIN, TUESDAY_10, "51")
    key5, again, key1 = result.steps[3:6]
    assert (key5.kind, key5.digit, key5.reason) == (Kind.KEY, "5", "invalid")
    assert key5.text == 'Key 5 is not an option on menu "Main menu" (attempt 1 of 3).'
    assert (again.kind, again.reason) == (Kind.MENU, "invalid")
    assert again.text.startswith('The box says "Sorry, that is not an option." and plays menu')
    assert (key1.digit, key1.reason, result.team) == ("1", None, "reception")


def test_too_many_invalid_keys_hand_the_caller_to_the_fallback():
    result = simulate(office(), MAIN, TUESDAY_10, "9999")
    assert kinds(result)[:10] == ["line", "schedule", "menu", "key", "menu", "key", "menu",
                                  "key", "fallback", "team"]
    assert only(result, Kind.UNUSED).digits == "9"     # the fourth key: already queued
    assert result.team == "reception"


def test_no_key_times_out_and_the_fallback_is_the_default():
    result = simulate(office(), MAIN, TUESDAY_10, "")
    assert kinds(result)[:10] == ["line", "schedule", "menu", "timeout", "menu", "timeout",
                                  "menu", "timeout", "fallback", "team"]
    assert result.steps[3].text == 'No key within 6 s on menu "Main menu" (attempt 1 of 3).'
    assert result.steps[4].text.startswith('The box says "Sorry, I did not hear a choice."')
    assert (result.outcome, result.team) == ("answered", "reception")


def test_key_2_says_the_hours_and_hangs_up():
    result = simulate(office(), MAIN, TUESDAY_10, "2")
    assert kinds(result) == ["line", "schedule", "menu", "key", "message", "end"]
    assert result.outcome == "message"


def test_a_silent_caller_in_a_fallback_loop_ends_the_walk():
    config = office(menus={"main": {"fallback": {"menu": "other"}},
                           "other": {"name": "Other", "prompt": {"text": "Other menu."},
                                     "options": {}, "retries": 0,
                                     "fallback": {"menu": "main"}}})
    result = simulate(config, MAIN, TUESDAY_10, "")
    assert kinds(result)[-2:] == ["loop", "end"]
    assert result.outcome == "abandoned"
    assert len(result.steps) < 20


def test_star_goes_back_and_a_hang_up_option_ends_as_abandoned():
    config = office(menus={"main": {"options": {"1": {"menu": "sub"}}},
                           "sub": {"name": "Sub", "prompt": {"text": "Sub menu."},
                                   "options": {"3": {"action": "hangup"}}}})
    result = simulate(config, MAIN, TUESDAY_10, "1*13")
    assert [(s.kind.value, s.menu, s.reason) for s in result.steps if s.kind is Kind.MENU] == [
        ("menu", "main", "start"), ("menu", "sub", "submenu"), ("menu", "main", "back"),
        ("menu", "sub", "submenu")]
    assert kinds(result)[-2:] == ["hangup", "end"]
    assert result.outcome == "abandoned"


# --- overflow -----------------------------------------------------------------------------


def test_nobody_available_waits_for_the_limit_then_overflows():
    away = dict.fromkeys(STAFF, Presence.AWAY)
    result = simulate(office(), SECOND, TUESDAY_10, "", presence=away)
    assert kinds(result) == ["line", "schedule", "team", "hold", "not_rung", "not_rung",
                             "not_rung", "wait", "overflow", "message", "end"]
    assert only(result, Kind.OVERFLOW).unanswered is None      # it does happen
    assert (result.outcome, result.team, result.agents_rung) == ("failed", "reception", ())


def test_nobody_available_and_no_limit_waits_until_the_caller_gives_up():
    config = office(teams={"reception": {"max_wait_s": 0}})
    result = simulate(config, SECOND, TUESDAY_10, "", presence=dict.fromkeys(STAFF,
                                                                              Presence.OFFLINE))
    assert kinds(result)[-2:] == ["wait", "end"]
    assert result.outcome == "abandoned"


def test_a_full_queue_overflows_at_once_to_another_team():
    config = office(teams={"reception": {"overflow": {"action": "team", "team": "backup"}},
                           "backup": {"name": "Backup", "members": ["carla"]}})
    result = simulate(config, SECOND, TUESDAY_10, "", waiting={"reception": 5})
    assert kinds(result) == ["line", "schedule", "team", "overflow", "team", "hold", "ring",
                             "overflow", "message", "end"]
    assert result.steps[3].reason == "queue_full"
    assert (result.outcome, result.team, result.agents_rung) == ("answered", "backup",
                                                                ("carla",))


def test_an_overflow_to_a_team_already_visited_says_the_message():
    config = office(teams={"reception": {"overflow": {"action": "team", "team": "backup"}},
                           "backup": {"name": "Backup", "members": ["carla"],
                                      "overflow": {"action": "team", "team": "reception"}}})
    away = dict.fromkeys(STAFF, Presence.AWAY)
    result = simulate(config, SECOND, TUESDAY_10, "", presence=away)
    assert [s.team for s in result.steps if s.kind is Kind.TEAM] == ["reception", "backup"]
    assert kinds(result)[-2:] == ["message", "end"]
    assert "All our staff are busy" in result.steps[-2].text
    assert (result.outcome, result.team) == ("failed", "backup")


# --- errors and the shape -----------------------------------------------------------------


def test_an_unknown_line_is_not_found():
    with pytest.raises(NotFound, match="nope"):
        simulate(office(), "nope", TUESDAY_10, "")


@pytest.mark.parametrize("digits", ["12a", "1 2", "1" * 21, None])
def test_digits_must_be_phone_keys(digits):
    with pytest.raises(ValidationError) as caught:
        simulate(office(), MAIN, TUESDAY_10, digits)
    assert set(caught.value.fields) == {"digits"}
    assert isinstance(caught.value.fields["digits"], Text)


def test_outcomes_are_the_words_of_the_call_history():
    words = {sim.ANSWERED, sim.VOICEMAIL, sim.MESSAGE, sim.CLOSED, sim.FAILED, sim.ABANDONED}
    assert words <= {o.value for o in Outcome}


def test_to_dict_leaves_out_what_does_not_apply_and_keeps_texts_translatable():
    closed = simulate(office(), MAIN, SATURDAY_10, "").to_dict()
    assert set(closed) == {"steps", "outcome"}
    assert closed["steps"][1] == {
        "kind": "schedule", "text": closed["steps"][1]["text"], "schedule": "office-hours",
        "open": False, "reason": "outside_hours", "time": "2026-03-28T10:00:00+01:00"}
    text = closed["steps"][1]["text"]
    assert isinstance(text, Text)
    assert text.values["schedule"] == "Office hours"
    answered = simulate(office(), SECOND, TUESDAY_10, "").to_dict()
    assert (answered["team"], answered["agents_rung"]) == ("reception", STAFF)
    assert answered["steps"][-3]["unanswered"] is True
