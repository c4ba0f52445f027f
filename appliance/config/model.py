"""The configuration an owner edits, as immutable typed values.

Everything the core routes with is built from these frozen dataclasses, never from raw dicts:
the store validates a document once (see ``validation``) and the core receives a ``Config``
snapshot it can read without locks because nothing can change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strategy(StrEnum):
    """How a team picks which agent's handset rings."""

    RING_ALL = "ring_all"
    ROUND_ROBIN = "round_robin"
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    LINEAR = "linear"


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class LineKind(StrEnum):
    GSM = "gsm"
    ANALOG = "analog"


class Channel(StrEnum):
    """What a team serves: calls, texts (SMS conversations), or both."""

    VOICE = "voice"
    SMS = "sms"


class Action(StrEnum):
    """Terminal things a call can be sent to besides a team or a menu."""

    MESSAGE = "message"      # play a text, then hang up
    VOICEMAIL = "voicemail"  # play a prompt, then record the caller
    HANGUP = "hangup"
    REPEAT = "repeat"        # menus only: play the current menu again
    TEAM = "team"            # overflow only: another team


@dataclass(frozen=True)
class Prompt:
    """Something said to the caller: spoken from ``text`` or an uploaded ``audio`` file id."""

    text: str | None = None
    audio: str | None = None

    def describe(self) -> str:
        return self.text if self.text is not None else f"audio:{self.audio}"


@dataclass(frozen=True)
class Target:
    """Where a call goes next: exactly one of a team, a menu, an action or ``sip``: the
    office's SIP PBX at that URI (gateway mode: the box hands the caller over)."""

    team: str | None = None
    menu: str | None = None
    action: Action | None = None
    text: str | None = None
    sip: str | None = None


@dataclass(frozen=True)
class Interval:
    """Open from ``start`` to ``end`` minutes after local midnight of the day it belongs to.

    ``end`` may be 1440 (24:00). ``end <= start`` means the interval runs overnight into the
    next day, ending at ``end`` minutes after that day's midnight.
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class HolidayRegion:
    country: str
    subdivision: str | None = None


@dataclass(frozen=True)
class SpecialDay:
    """A date with its own hours replacing the weekly ones (an empty tuple means closed)."""

    date: date
    intervals: tuple[Interval, ...]


@dataclass(frozen=True)
class Schedule:
    id: str
    name: str
    timezone: str
    weekly: Mapping[str, tuple[Interval, ...]]
    holidays: HolidayRegion | None = None
    closed_dates: frozenset[date] = frozenset()
    special: tuple[SpecialDay, ...] = ()
    closed_action: Target = field(
        default_factory=lambda: Target(action=Action.MESSAGE, text=DEFAULT_CLOSED_TEXT)
    )


DEFAULT_CLOSED_TEXT = "We are closed right now. Please call again during office hours."
DEFAULT_OVERFLOW_TEXT = "All our staff are busy. Please call again later."


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    strategy: Strategy = Strategy.RING_ALL
    members: tuple[str, ...] = ()
    ring_timeout_s: int = 20
    max_wait_s: int = 300          # 0: wait for ever
    wrap_up_s: int = 10
    max_queue: int = 10            # 0: no limit
    autopause_after: int = 3       # missed offers in a row before an agent is set away; 0: never
    overflow: Target = field(
        default_factory=lambda: Target(action=Action.MESSAGE, text=DEFAULT_OVERFLOW_TEXT)
    )
    hold_audio: str | None = None
    announce: str | None = None    # said to waiting callers every ``announce_every_s``
    announce_every_s: int = 0      # 0: never
    channels: frozenset[Channel] = frozenset({Channel.VOICE})
    callback_key: str | None = "1"   # pressed while waiting: "call me back"; None: not offered
    callback_tries: int = 3          # calls placed for one callback before it is given up
    callback_every_min: int = 10     # between a busy or unanswered try and the next


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    station: str | None = None
    presence: Presence = Presence.AVAILABLE


@dataclass(frozen=True)
class Station:
    """A desk handset (SLIC on GPIO, or an ATA port later)."""

    id: str
    name: str


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    kind: LineKind = LineKind.GSM
    number: str = ""
    entry: Target = field(default_factory=Target)
    schedule: str | None = None
    greeting: Prompt | None = None


@dataclass(frozen=True)
class Menu:
    id: str
    name: str
    prompt: Prompt
    options: Mapping[str, Target]
    timeout_s: int = 5
    retries: int = 2
    fallback: Target = field(default_factory=lambda: Target(action=Action.HANGUP))
    operator_team: str | None = None   # where ``0`` goes; default: the first team in the tree


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Config:
    """One consistent snapshot of every resource, keyed by id."""

    teams: Mapping[str, Team] = field(default_factory=dict)
    agents: Mapping[str, Agent] = field(default_factory=dict)
    stations: Mapping[str, Station] = field(default_factory=dict)
    lines: Mapping[str, Line] = field(default_factory=dict)
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    menus: Mapping[str, Menu] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("teams", "agents", "stations", "lines", "schedules", "menus"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def schedule_of(self, line_id: str) -> Schedule | None:
        """The hours a line follows (None: no such line, or it answers at any time)."""
        line = self.lines.get(line_id)
        return self.schedules.get(line.schedule or "") if line is not None else None

    def agent_at_station(self, station_id: str) -> Agent | None:
        return next((a for a in self.agents.values() if a.station == station_id), None)

    def teams_of(self, agent_id: str) -> list[Team]:
        return [t for t in self.teams.values() if agent_id in t.members]

