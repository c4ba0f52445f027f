"""Model values back to the JSON documents of the API contract, and cross-reference checks."""

from __future__ import annotations

from typing import Any

from appliance.config.model import (
    MINUTES_PER_DAY,
    Agent,
    Channel,
    Config,
    Interval,
    Line,
    Menu,
    Prompt,
    Schedule,
    Station,
    Target,
    Team,
)
from appliance.errors import Text


def _time(minutes: int) -> str:
    return "24:00" if minutes == MINUTES_PER_DAY else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _intervals(ivs: tuple[Interval, ...]) -> list[list[str]]:
    return [[_time(iv.start), _time(iv.end)] for iv in ivs]


def _target(t: Target | None) -> dict[str, Any] | None:
    if t is None:
        return None
    out: dict[str, Any] = {}
    if t.action is not None:
        out["action"] = t.action.value
    if t.team is not None:
        out["team"] = t.team
    if t.menu is not None:
        out["menu"] = t.menu
    if t.sip is not None:
        out["sip"] = t.sip
    if t.text is not None:
        out["text"] = t.text
    return out


def _prompt(p: Prompt | None) -> dict[str, str] | None:
    if p is None:
        return None
    return {"text": p.text} if p.text is not None else {"audio": p.audio or ""}


def dump(obj: Any) -> dict[str, Any]:
    """The contract's JSON shape of one resource."""
    match obj:
        case Team():
            return {"id": obj.id, "name": obj.name, "strategy": obj.strategy.value,
                    "members": list(obj.members), "ring_timeout_s": obj.ring_timeout_s,
                    "max_wait_s": obj.max_wait_s, "wrap_up_s": obj.wrap_up_s,
                    "max_queue": obj.max_queue, "autopause_after": obj.autopause_after,
                    "overflow": _target(obj.overflow), "hold_audio": obj.hold_audio,
                    "announce": obj.announce, "announce_every_s": obj.announce_every_s,
                    "channels": [c.value for c in Channel if c in obj.channels],
                    "callback_key": obj.callback_key, "callback_tries": obj.callback_tries,
                    "callback_every_min": obj.callback_every_min}
        case Agent():
            return {"id": obj.id, "name": obj.name, "station": obj.station,
                    "presence": obj.presence.value}
        case Station():
            return {"id": obj.id, "name": obj.name}
        case Line():
            return {"id": obj.id, "name": obj.name, "kind": obj.kind.value, "number": obj.number,
                    "entry": _target(obj.entry), "schedule": obj.schedule,
                    "greeting": _prompt(obj.greeting)}
        case Schedule():
            return {"id": obj.id, "name": obj.name, "timezone": obj.timezone,
                    "weekly": {d: _intervals(ivs) for d, ivs in obj.weekly.items()},
                    "holidays": None if obj.holidays is None else
                    {"country": obj.holidays.country, "subdivision": obj.holidays.subdivision},
                    "closed_dates": sorted(d.isoformat() for d in obj.closed_dates),
                    "special": [{"date": s.date.isoformat(), "intervals": _intervals(s.intervals)}
                                for s in obj.special],
                    "closed_action": _target(obj.closed_action)}
        case Menu():
            return {"id": obj.id, "name": obj.name, "prompt": _prompt(obj.prompt),
                    "options": {k: _target(t) for k, t in sorted(obj.options.items())},
                    "timeout_s": obj.timeout_s, "retries": obj.retries,
                    "fallback": _target(obj.fallback), "operator_team": obj.operator_team}
    raise TypeError(f"not a resource: {obj!r}")


def _target_refs(field: str, t: Target | None, config: Config) -> dict[str, str]:
    errors = {}
    if t is not None and t.team is not None and t.team not in config.teams:
        errors[f"{field}.team" if t.action else field] = Text("No team with id '%(id)s'.",
                                                               id=t.team)
    if t is not None and t.menu is not None and t.menu not in config.menus:
        errors[field] = Text("No menu with id '%(id)s'.", id=t.menu)
    return errors


def references(kind: str, obj: Any, config: Config) -> dict[str, str]:
    """Field errors for ids in ``obj`` that do not exist in ``config`` (or clash with it)."""
    errors: dict[str, str] = {}
    if kind == "teams":
        for i, member in enumerate(obj.members):
            if member not in config.agents:
                errors[f"members.{i}"] = Text("No agent with id '%(id)s'.", id=member)
        errors |= _target_refs("overflow", obj.overflow, config)
    elif kind == "agents" and obj.station is not None:
        holder = config.agent_at_station(obj.station)
        if obj.station not in config.stations:
            errors["station"] = Text("No station with id '%(id)s'.", id=obj.station)
        elif holder is not None and holder.id != obj.id:
            errors["station"] = Text("Station already used by agent '%(name)s'.",
                                     name=holder.name)
    elif kind == "lines":
        errors |= _target_refs("entry", obj.entry, config)
        if obj.schedule is not None and obj.schedule not in config.schedules:
            errors["schedule"] = Text("No schedule with id '%(id)s'.", id=obj.schedule)
    elif kind == "menus":
        for key, target in obj.options.items():
            errors |= _target_refs(f"options.{key}", target, config)
        errors |= _target_refs("fallback", obj.fallback, config)
        if obj.operator_team is not None and obj.operator_team not in config.teams:
            errors["operator_team"] = Text("No team with id '%(id)s'.", id=obj.operator_team)
    return errors


def audio_references(kind: str, obj: Any, known: set[str]) -> dict[str, str]:
    """Field errors for uploaded-audio ids that are not in the owner's library."""
    used: list[tuple[str, str | None]] = []
    if kind == "teams":
        used.append(("hold_audio", obj.hold_audio))
    elif kind == "lines" and obj.greeting is not None:
        used.append(("greeting.audio", obj.greeting.audio))
    elif kind == "menus" and obj.prompt is not None:
        used.append(("prompt.audio", obj.prompt.audio))
    return {field: Text("No uploaded audio with id '%(id)s'; upload it first (/api/audio).",
                        id=audio)
            for field, audio in used if audio and audio not in known}


def users_of(kind: str, rid: str, config: Config) -> list[str]:
    """Human names of the resources that refer to ``rid``: deleting it would break them."""
    def targets(t: Target | None) -> bool:
        return t is not None and (
            (kind == "teams" and t.team == rid) or (kind == "menus" and t.menu == rid))

    users = []
    for team in config.teams.values():
        if (kind == "agents" and rid in team.members) or targets(team.overflow):
            users.append(f"team '{team.name}'")
    for agent in config.agents.values():
        if kind == "stations" and agent.station == rid:
            users.append(f"agent '{agent.name}'")
    for line in config.lines.values():
        if targets(line.entry) or (kind == "schedules" and line.schedule == rid):
            users.append(f"line '{line.name}'")
    for menu in config.menus.values():
        if menu.id != rid and (any(targets(t) for t in menu.options.values())
                               or targets(menu.fallback)
                               or (kind == "teams" and menu.operator_team == rid)):
            users.append(f"menu '{menu.name}'")
    return users
