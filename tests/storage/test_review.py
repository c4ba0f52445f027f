"""What the changes page says before publishing: the differences and the checks (pure)."""

from __future__ import annotations

from appliance.config.model import (
    Action,
    Agent,
    Config,
    Line,
    Menu,
    Prompt,
    Schedule,
    Station,
    Target,
    Team,
)
from appliance.config.review import Change, Level, checks, differences


def test_differences_name_what_was_added_removed_and_which_fields_changed():
    live = {"teams": [{"id": "sales", "name": "Sales", "members": ["ana"]},
                      {"id": "old", "name": "Old"}]}
    draft = {"teams": [{"id": "sales", "name": "Sales", "members": ["ana", "bruno"]},
                       {"id": "new", "name": "New"}]}
    found = {(d.id, d.change, d.fields) for d in differences(live, draft)}
    assert found == {("sales", Change.CHANGED, ("members",)), ("old", Change.REMOVED, ()),
                     ("new", Change.ADDED, ())}
    assert differences(live, live) == []


def office(**changes) -> Config:
    parts = {
        "stations": {"desk": Station("desk", "Desk")},
        "agents": {"ana": Agent("ana", "Ana", station="desk")},
        "teams": {"sales": Team("sales", "Sales", members=("ana",))},
        "schedules": {"hours": Schedule("hours", "Hours", "Europe/Madrid",
                                        {"mon": ()}, closed_action=Target(action=Action.HANGUP))},
        "menus": {"main": Menu("main", "Main", Prompt(text="Press 1."),
                               {"1": Target(team="sales")})},
        "lines": {"l1": Line("l1", "Main", entry=Target(menu="main"), schedule="hours")},
    } | changes
    return Config(**parts)


def messages(config: Config, **kwargs) -> list[str]:
    return [p.message for p in checks(config, **kwargs)]


def test_hours_never_open_and_a_silent_closed_line_are_pointed_out():
    found = messages(office())
    assert "Line 'Main' follows hours 'Hours', which are never open in a normal week." in found
    assert "Out of hours, callers on line 'Main' hear nothing: the box hangs up." in found


def test_a_line_whose_keys_reach_nobody_with_a_handset_is_pointed_out():
    alone = office(agents={"ana": Agent("ana", "Ana")})
    found = messages(alone)
    assert "Callers on line 'Main' can never reach a person: no team with a handset on the " \
           "way." in found
    assert "Ana has no handset: calls never ring for them." in found
    assert "Team 'Sales' has nobody with a handset: its calls wait for nobody." in found
    assert not any("never reach" in m for m in messages(office()))


def test_a_team_reached_through_an_overflow_counts():
    empty = Team("front", "Front", overflow=Target(action=Action.TEAM, team="sales"))
    config = office(teams={"sales": Team("sales", "Sales", members=("ana",)), "front": empty},
                    lines={"l1": Line("l1", "Main", entry=Target(team="front"))})
    assert not any("never reach" in m for m in messages(config))


def test_audio_that_left_the_library_blocks_publishing():
    config = office(teams={"sales": Team("sales", "Sales", members=("ana",),
                                         hold_audio="gone")})
    problems = checks(config, lambda: {"other"})
    assert [(p.level, p.where) for p in problems if p.level is Level.ERROR] == [
        (Level.ERROR, "teams.sales")]
