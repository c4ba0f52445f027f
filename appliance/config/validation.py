"""Turn untrusted JSON documents into model values, collecting every field error at once.

Each ``parse_<kind>`` either returns a frozen model object or raises ``ValidationError`` with
one message per bad field, so the web page can show all mistakes together and nothing half-valid
is ever stored. Cross-resource references are checked separately (``references``) because they
need the whole configuration.
"""

from __future__ import annotations

import dataclasses
import re
import zoneinfo
from collections.abc import Callable
from datetime import date
from typing import Any

from appliance.config.model import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    Action,
    Agent,
    Channel,
    HolidayRegion,
    Interval,
    Line,
    LineKind,
    Menu,
    Presence,
    Prompt,
    Schedule,
    SpecialDay,
    Station,
    Strategy,
    Target,
    Team,
)
from appliance.errors import Text, ValidationError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SIP_URI = re.compile(r"sips?:[^@\s;<>]+@[A-Za-z0-9.\-\[\]:]+")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
MENU_KEYS = frozenset("123456789#")
CALLBACK_KEYS = frozenset("123456789*#")
MAX_TEXT = 1000


class Reader:
    """Reads fields from one document, remembering every error instead of stopping at the first."""

    def __init__(self, doc: Any) -> None:
        self.errors: dict[str, str] = {}
        if not isinstance(doc, dict):
            self.errors["_"] = "Expected a JSON object."
            doc = {}
        self.doc = doc

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, default: str | None = None, *, required: bool = False,
             limit: int = 100) -> str | None:
        value = self.doc.get(name, default)
        if value is None or (value == "" and not required):
            if required:
                self.fail(name, Text("Required."))
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(name, Text("Must be a non-empty text."))
            return default
        if len(value) > limit:
            self.fail(name, Text("At most %(limit)d characters.", limit=limit))
        return value.strip()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.doc.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, Text("Must be a whole number."))
            return default
        if not low <= value <= high:
            self.fail(name, Text("Must be between %(low)d and %(high)d.", low=low, high=high))
        return value

    def choice(self, name: str, enum: type, default: Any) -> Any:
        value = self.doc.get(name, default)
        try:
            return enum(value)
        except ValueError:
            self.fail(name, Text("Must be one of: %(values)s.",
                                 values=", ".join(m.value for m in enum)))
            return default

    def ref(self, name: str, *, required: bool = False) -> str | None:
        value = self.doc.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, Text("Required."))
            return None
        if not isinstance(value, str) or not ID_RE.match(value):
            self.fail(name, Text("Must be the id of an existing item."))
            return None
        return value

    def listing(self, name: str, what: str) -> list[Any]:
        """A list field (absent or null: empty); anything else is an error naming ``what``."""
        value = self.doc.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, Text("Must be a list of %(what)s.", what=what))
            return []
        return value

    def sub(self, name: str, parse: Callable[[Reader], Any], default: Any = None) -> Any:
        """Parse a nested object, prefixing its field errors with ``name.``."""
        if self.doc.get(name) is None:
            return default
        inner = Reader(self.doc[name])
        result = parse(inner)
        for key, message in inner.errors.items():
            self.fail(name if key == "_" else f"{name}.{key}", message)
        return result

    def done(self, value: Any) -> Any:
        """Return ``value`` built from the fields read so far, or raise every error found."""
        if self.errors:
            raise ValidationError(dict(self.errors))
        return value


def parse_id(doc: Any, given: str | None) -> str | None:
    value = given if given is not None else (doc.get("id") if isinstance(doc, dict) else None)
    if value is None:
        return None
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ValidationError({"id": "Use 1-40 lower-case letters, digits, '-' or '_'."})
    return value


def _prompt(r: Reader) -> Prompt | None:
    text = r.text("text", limit=MAX_TEXT)
    audio = r.ref("audio")
    if (text is None) == (audio is None):
        r.fail("_", Text("Give either a text to speak or an uploaded audio id."))
    return Prompt(text=text, audio=audio)


def _target(allowed: frozenset[Action], *, sip: bool = False) -> Callable[[Reader], Target]:
    """A parser for {"team": id} | {"menu": id} | {"action": ..., "team"?, "text"?}, and
    with ``sip`` also {"sip": "sip:100@pbx.example"} (the office's PBX, gateway mode)."""

    def parse(r: Reader) -> Target:
        team, menu = r.ref("team"), r.ref("menu")
        action = r.choice("action", Action, None) if "action" in r.doc else None
        text = r.text("text", limit=MAX_TEXT)
        uri = _sip_uri(r) if sip else None
        if not sip and "sip" in r.doc:
            r.fail("sip", Text("Not allowed here: only a line's entry, a menu's options and "
                               "fallback, and a team's overflow can hand a caller to a PBX."))
        if action is not None and action not in allowed:
            r.fail("action", Text("Not allowed here; use: %(allowed)s.",
                                  allowed=", ".join(sorted(allowed))))
        if action is Action.TEAM:
            if team is None:
                r.fail("team", Text("Required when the action is 'team'."))
        elif sum(x is not None for x in (team, menu, action, uri)) != 1:
            r.fail("_", Text("Give exactly one of team, menu, action or sip.") if sip
                   else Text("Give exactly one of team, menu or action."))
        return Target(team=team, menu=menu, action=action, text=text, sip=uri)

    return parse


def _sip_uri(r: Reader) -> str | None:
    uri = r.text("sip", limit=200)
    if uri is not None and not SIP_URI.fullmatch(uri):
        r.fail("sip", Text("Must be the PBX's SIP address, like sip:100@192.168.1.5."))
    return uri


def _minutes(value: Any) -> int | None:
    if not isinstance(value, str) or not TIME_RE.match(value):
        return None
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _intervals(r: Reader, name: str, value: Any) -> tuple[Interval, ...]:
    if not isinstance(value, list):
        r.fail(name, Text('Must be a list of ["HH:MM", "HH:MM"] pairs.'))
        return ()
    found = []
    for i, pair in enumerate(value):
        ok = isinstance(pair, list | tuple) and len(pair) == 2
        start, end = (_minutes(pair[0]), _minutes(pair[1])) if ok else (None, None)
        if start is None or end is None or start in (MINUTES_PER_DAY, end):
            r.fail(f"{name}.{i}", Text('Use ["HH:MM", "HH:MM"] with different times '
                                       '(end may be 24:00).'))
            continue
        found.append(Interval(start, end))
    return tuple(found)


def _date(r: Reader, name: str, value: Any) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        r.fail(name, Text("Use a date like 2026-12-24."))
        return None


def _holidays(r: Reader) -> HolidayRegion:
    country = r.text("country", required=True, limit=3)
    subdivision = r.text("subdivision", limit=10)
    if country is not None:
        import holidays  # imported lazily: the package is large and only needed here

        try:   # one country's module only: listing all countries costs 9 MB of memory
            holidays.country_holidays(country.upper(),
                                      subdiv=subdivision.upper() if subdivision else None)
        except NotImplementedError as exc:
            if subdivision and "subdivision" in str(exc):
                r.fail("subdivision", Text("Unknown subdivision for %(country)s.",
                                               country=country.upper()))
            else:
                r.fail("country", Text("Unknown country code (use ISO 3166, e.g. ES, AR, GB)."))
    return HolidayRegion((country or "").upper(), subdivision.upper() if subdivision else None)


def parse_schedule(doc: Any, sid: str) -> Schedule:
    r = Reader(doc)
    name = r.text("name", required=True)
    tz = r.text("timezone", "Europe/Madrid", limit=64)
    try:
        zoneinfo.ZoneInfo(tz or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", Text("Unknown time zone; use an IANA name like Europe/Madrid."))
    weekly_doc = r.doc.get("weekly", {})
    if not isinstance(weekly_doc, dict) or set(weekly_doc) - set(WEEKDAYS):
        r.fail("weekly", Text("Use the keys mon, tue, wed, thu, fri, sat, sun."))
        weekly_doc = {}
    weekly = {d: _intervals(r, f"weekly.{d}", weekly_doc.get(d, [])) for d in WEEKDAYS}
    closed_dates = frozenset(
        d for i, v in enumerate(r.listing("closed_dates", "dates"))
        if (d := _date(r, f"closed_dates.{i}", v)) is not None)
    special = []
    for i, item in enumerate(r.listing("special", 'days ({"date", "intervals"})')):
        item = item if isinstance(item, dict) else {}
        day = _date(r, f"special.{i}.date", item.get("date"))
        ivs = _intervals(r, f"special.{i}.intervals", item.get("intervals", []))
        if day is not None:
            special.append(SpecialDay(day, ivs))
    closed_action = r.sub("closed_action", _target(frozenset({Action.MESSAGE, Action.VOICEMAIL})),
                          Schedule.__dataclass_fields__["closed_action"].default_factory())
    if closed_action.action is None and "closed_action" not in r.errors:
        r.fail("closed_action.action", Text("Must be message or voicemail."))
    region = r.sub("holidays", _holidays)
    return r.done(Schedule(sid, name, tz, weekly, region, closed_dates,
                                   tuple(special), closed_action))


def parse_team(doc: Any, tid: str) -> Team:
    r = Reader(doc)
    members = r.doc.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        r.fail("members", Text("Must be a list of agent ids."))
        members = []
    elif len(set(members)) != len(members):
        r.fail("members", Text("An agent is listed twice."))
    overflow_actions = frozenset({Action.MESSAGE, Action.TEAM, Action.VOICEMAIL})
    overflow = r.sub("overflow", _target(overflow_actions, sip=True),
                     Team.__dataclass_fields__["overflow"].default_factory())
    if overflow.team == tid:
        r.fail("overflow.team", Text("A team cannot overflow to itself."))
    if overflow.menu is not None:
        r.fail("overflow.menu", Text("Not allowed here: a team's overflow goes to another "
                                     "team, a message, voicemail or the office's PBX."))
    if overflow.team is not None and overflow.action is None:
        overflow = dataclasses.replace(overflow, action=Action.TEAM)  # {"team": id}, as elsewhere
    return r.done(Team(
        id=tid, name=r.text("name", required=True), members=tuple(members),
        strategy=r.choice("strategy", Strategy, Strategy.RING_ALL),
        ring_timeout_s=r.integer("ring_timeout_s", 20, 5, 300),
        max_wait_s=r.integer("max_wait_s", 300, 0, 7200),
        wrap_up_s=r.integer("wrap_up_s", 10, 0, 600),
        max_queue=r.integer("max_queue", 10, 0, 100),
        autopause_after=r.integer("autopause_after", 3, 0, 50),
        overflow=overflow, hold_audio=r.ref("hold_audio"),
        announce=r.text("announce", limit=MAX_TEXT),
        announce_every_s=r.integer("announce_every_s", 0, 0, 600),
        channels=_channels(r), callback_key=_callback_key(r),
        callback_tries=r.integer("callback_tries", 3, 1, 10),
        callback_every_min=r.integer("callback_every_min", 10, 1, 240)))


def _channels(r: Reader) -> frozenset[Channel]:
    value = r.doc.get("channels", [Channel.VOICE.value])
    names = [c.value for c in Channel]
    if not isinstance(value, list) or not value or not all(v in names for v in value):
        r.fail("channels", Text("Must be a list of one or both of: %(values)s.",
                                values=", ".join(names)))
        return frozenset({Channel.VOICE})
    return frozenset(Channel(v) for v in value)


def _callback_key(r: Reader) -> str | None:
    """The key a waiting caller presses to be called back; null or "" turns the offer off."""
    value = r.doc.get("callback_key", "1")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in CALLBACK_KEYS:
        r.fail("callback_key", Text("Must be one key: 1-9, * or #, or empty for no callbacks."))
        return "1"
    return value


def parse_agent(doc: Any, aid: str) -> Agent:
    r = Reader(doc)
    return r.done(Agent(aid, r.text("name", required=True), r.ref("station"),
                                r.choice("presence", Presence, Presence.AVAILABLE)))


def parse_station(doc: Any, sid: str) -> Station:
    r = Reader(doc)
    return r.done(Station(sid, r.text("name", required=True)))


def parse_line(doc: Any, lid: str) -> Line:
    r = Reader(doc)
    entry = r.sub("entry", _target(frozenset(), sip=True), None)
    if entry is None and "entry" not in r.errors:
        r.fail("entry", Text('Required: {"team": id} or {"menu": id}.'))
    number = r.text("number", "", limit=20)
    if number and not re.fullmatch(r"\+?[0-9 ]{3,20}", number):
        r.fail("number", Text("Use digits, spaces and an optional leading +."))
    return r.done(Line(lid, r.text("name", required=True),
                               r.choice("kind", LineKind, LineKind.GSM), number or "", entry,
                               r.ref("schedule"), r.sub("greeting", _prompt)))


def parse_menu(doc: Any, mid: str) -> Menu:
    r = Reader(doc)
    prompt = r.sub("prompt", _prompt)
    if prompt is None and "prompt" not in r.errors:
        r.fail("prompt", Text('Required: {"text": "..."} or {"audio": id}.'))
    options_doc = r.doc.get("options", {})
    if not isinstance(options_doc, dict):
        r.fail("options", Text("Must be an object of key → target."))
        options_doc = {}
    option_target = _target(frozenset({Action.REPEAT, Action.VOICEMAIL, Action.HANGUP,
                                       Action.MESSAGE}), sip=True)
    for key, value in options_doc.items():
        if key in ("0", "*"):
            r.fail(f"options.{key}", Text("'%(key)s' is reserved: 0 reaches an agent, * goes back.",
                                          key=key))
        elif key not in MENU_KEYS:
            r.fail(f"options.{key}", Text("Keys are single digits 1-9 or #."))
        elif value is None:
            r.fail(f"options.{key}", Text('Give where the key leads: {"team": id}, {"menu": id} '
                                          'or {"action": ...}; remove the key to drop the '
                                          'option.'))
    nested = Reader(options_doc)
    options = {k: nested.sub(k, option_target) for k in options_doc if k in MENU_KEYS}
    for key, message in nested.errors.items():
        r.fail(f"options.{key}", message)
    fallback = r.sub("fallback", _target(frozenset({Action.VOICEMAIL, Action.HANGUP,
                                                    Action.MESSAGE}), sip=True), None)
    return r.done(Menu(
        mid, r.text("name", required=True), prompt, options,
        timeout_s=r.integer("timeout_s", 5, 2, 30), retries=r.integer("retries", 2, 0, 5),
        fallback=fallback or Menu.__dataclass_fields__["fallback"].default_factory(),
        operator_team=r.ref("operator_team")))


PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "teams": parse_team, "agents": parse_agent, "stations": parse_station,
    "lines": parse_line, "schedules": parse_schedule, "menus": parse_menu,
}
