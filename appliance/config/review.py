"""What the owner reads before publishing a draft: what it changes, and what to look at.

Pure functions over configurations and their documents, so the changes page, the API and the
tests share them. ``checks`` answers the questions a small office gets wrong most often
(design: PBX users' complaints): can every caller reach a person, does every line say
something when closed, will every agent's handset ring, does every audio exist. Menu shapes
(too deep, loops) come from ``policy.menus``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from appliance.config.model import Action, Config, Target
from appliance.config.resources import KINDS, Resources
from appliance.errors import Text
from appliance.policy.menus import menu_warnings


class Level(StrEnum):
    ERROR = "error"       # publishing is refused
    WARNING = "warning"   # publishing is allowed; the owner should look


@dataclass(frozen=True)
class Problem:
    level: Level
    where: str            # "kind.id.field" for errors, "kind.id" or "draft" for warnings
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level.value, "where": self.where, "message": self.message}


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Difference:
    kind: str
    id: str
    name: str
    change: Change
    fields: tuple[str, ...] = ()     # the top-level fields that differ (CHANGED only)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name,
                "change": self.change.value, "fields": list(self.fields)}


def differences(live: Resources, draft: Resources) -> list[Difference]:
    """Resource by resource, what publishing ``draft`` over ``live`` would change."""
    found = []
    for kind in KINDS:
        before = {doc["id"]: doc for doc in live.get(kind, [])}
        after = {doc["id"]: doc for doc in draft.get(kind, [])}
        for rid in sorted(before.keys() | after.keys()):
            old, new = before.get(rid), after.get(rid)
            if old is None or new is None:
                doc = new or old or {}
                change = Change.ADDED if old is None else Change.REMOVED
                found.append(Difference(kind, rid, doc.get("name", rid), change))
            elif old != new:
                fields = tuple(sorted(k for k in old.keys() | new.keys()
                                      if old.get(k) != new.get(k)))
                found.append(Difference(kind, rid, new.get("name", rid), Change.CHANGED, fields))
    return found


def checks(config: Config, audio_ids: Callable[[], set[str]] | None = None) -> list[Problem]:
    """Warnings about a valid configuration that would still let callers down."""
    return [*menu_problems(config), *_line_problems(config), *_people_problems(config),
            *_audio_problems(config, audio_ids)]


def menu_problems(config: Config) -> list[Problem]:
    """Menu warnings for every tree, starting from the menus lines enter, without repeats."""
    roots = [line.entry.menu for line in config.lines.values() if line.entry.menu is not None]
    seen: set[str] = set()
    problems = []
    for root in dict.fromkeys([*roots, *config.menus]):
        for warning in menu_warnings(config, root):
            if warning not in seen:
                seen.add(warning)
                problems.append(Problem(Level.WARNING, f"menus.{root}", warning))
    return problems


def _warn(where: str, text: Text) -> Problem:
    return Problem(Level.WARNING, where, text)


def _line_problems(config: Config) -> list[Problem]:
    problems = []
    for line in config.lines.values():
        where, name = f"lines.{line.id}", line.name
        schedule = config.schedules.get(line.schedule or "")
        if schedule is None:
            problems.append(_warn(where, Text("Line '%(line)s' has no hours: it answers at any "
                                              "time, also at night.", line=name)))
        else:
            if not any(schedule.weekly.values()):
                problems.append(_warn(where, Text(
                    "Line '%(line)s' follows hours '%(hours)s', which are never open in a "
                    "normal week.", line=name, hours=schedule.name)))
            if schedule.closed_action.action is Action.HANGUP:
                problems.append(_warn(where, Text("Out of hours, callers on line '%(line)s' "
                                                  "hear nothing: the box hangs up.", line=name)))
        if not _reaches_a_person(config, line.entry):
            problems.append(_warn(where, Text("Callers on line '%(line)s' can never reach a "
                                              "person: no team with a handset on the way.",
                                              line=name)))
    return problems


def _people_problems(config: Config) -> list[Problem]:
    problems = [_warn(f"agents.{agent.id}", Text("%(agent)s has no handset: calls never ring "
                                                 "for them.", agent=agent.name))
                for agent in config.agents.values() if agent.station is None]
    problems += [_warn(f"teams.{team.id}", Text("Team '%(team)s' has nobody with a handset: "
                                                "its calls wait for nobody.", team=team.name))
                 for team in config.teams.values() if not _staffed(config, team.id)]
    return problems


def _audio_problems(config: Config,
                    audio_ids: Callable[[], set[str]] | None) -> list[Problem]:
    if audio_ids is None:
        return []
    known = audio_ids()
    used: list[tuple[str, str | None]] = [(f"teams.{t.id}", t.hold_audio)
                                          for t in config.teams.values()]
    used += [(f"menus.{m.id}", m.prompt.audio) for m in config.menus.values()]
    used += [(f"lines.{ln.id}", ln.greeting.audio) for ln in config.lines.values()
             if ln.greeting is not None]
    return [Problem(Level.ERROR, where, Text("The audio '%(audio)s' is not in the library any "
                                             "more.", audio=audio))
            for where, audio in used if audio and audio not in known]


def _staffed(config: Config, team_id: str) -> bool:
    team = config.teams.get(team_id)
    return team is not None and any(
        (agent := config.agents.get(member)) is not None and agent.station is not None
        for member in team.members)


def _reaches_a_person(config: Config, entry: Target) -> bool:
    """Whether some key path from ``entry`` leads to a team with a handset (or its overflow
    to another team does), or to the office's PBX, where people answer too."""
    seen: set[str] = set()
    todo: list[Target] = [entry]
    while todo:
        target = todo.pop()
        if target.sip is not None:
            return True
        if target.team is not None and target.team not in seen:
            seen.add(target.team)
            if _staffed(config, target.team):
                return True
            team = config.teams.get(target.team)
            if team is not None and team.overflow.action is Action.TEAM:
                todo.append(Target(team=team.overflow.team))
            elif team is not None and team.overflow.sip is not None:
                todo.append(team.overflow)
        elif target.menu is not None and f"menu:{target.menu}" not in seen:
            seen.add(f"menu:{target.menu}")
            menu = config.menus.get(target.menu)
            if menu is not None:
                todo += [*menu.options.values(), menu.fallback,
                         *([Target(team=menu.operator_team)] if menu.operator_team else [])]
    return False

