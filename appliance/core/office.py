"""What the core thread owns, handed to ``CallFlow`` and ``Offers`` instead of the engine.

The engine runs the loop and the devices' lifecycle; the call flow and the offers only change
call state and drive hardware. Giving them this (the configuration, the runtimes, the calls,
the timers and the services they call) rather than the engine keeps the core's modules
pointing one way: engine → calls → offers → office.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.config.messaging import Messaging
from appliance.config.model import Config, Presence
from appliance.core.state import AgentRuntime, Call, CallTimer, LineRuntime, StationRuntime
from appliance.core.timers import Timer, Timers
from appliance.policy.schedule import Override, status_at
from appliance.records.history import HistoryError
from hardware.interfaces import AudioDriver, LineDriver, StationDriver, TrunkDriver

log = logging.getLogger(__name__)


def _not_kept(agent: str, presence: Presence) -> None:
    """Presence changes the core makes (autopause) are not written anywhere."""


@dataclass(eq=False)
class Office:
    clock: Any
    history: Any
    audio: AudioDriver
    language: str = "es"              # of the box's own phrases and of the hours it says
    recordings: Path | None = None
    country: str = "ES"               # national numbers are read in this country's plan
    persist_presence: Callable[[str, Presence], None] = _not_kept
    config: Config = field(default_factory=Config)
    lines: dict[str, LineRuntime] = field(default_factory=dict)
    stations: dict[str, StationRuntime] = field(default_factory=dict)
    agents: dict[str, AgentRuntime] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    line_drivers: dict[str, LineDriver] = field(default_factory=dict)
    station_drivers: dict[str, StationDriver] = field(default_factory=dict)
    trunk_drivers: dict[str, TrunkDriver] = field(default_factory=dict)   # gateway mode
    presence: dict[str, Presence] = field(default_factory=dict)
    round_robin: dict[str, str] = field(default_factory=dict)   # team id -> agent last offered
    overrides: dict[str, Override] = field(default_factory=dict)  # schedule id -> by hand
    closed_switch: bool = False     # the front panel's "closed now" switch is on
    messaging: Messaging = field(default_factory=Messaging)   # the owner's text settings
    counted_day: datetime | None = None   # the day agents' ``calls_taken`` counts (midnight)
    timers: Timers = field(default_factory=Timers)

    def after(self, seconds: float, action: Callable[[], None], *,
              owner: str | None = None) -> Timer:
        """A deadline on the core thread; ``owner`` is the call ended if ``action`` fails."""
        return self.timers.at(self.clock.monotonic() + seconds, action, owner)

    def call_timer(self, call: Call, name: CallTimer, seconds: float,
                   action: Callable[[], None]) -> None:
        call.timers[name] = self.after(seconds, action, owner=call.id)

    def note(self, call: Call, kind: str, detail: str = "") -> None:
        """Add a step to the call's timeline (kept with its history record)."""
        call.events.append({"at": self.clock.now().isoformat(), "kind": kind, "detail": detail})

    def zone(self) -> ZoneInfo:
        """The office's time zone: its first line's hours' (the box has no other), else UTC.
        Days are counted in it: the daily summary, the missed-call texts, ``fewest_calls``."""
        for line_id in self.config.lines:
            schedule = self.config.schedule_of(line_id)
            if schedule is not None:
                return ZoneInfo(schedule.timezone)
        return ZoneInfo("UTC")

    def closed_why(self, line_id: str) -> str | None:
        """Why the line is closed now: "switch" (the front panel's) or its hours' reason; None
        when it is open (a line without hours always is)."""
        if self.closed_switch:
            return "switch"
        schedule = self.config.schedule_of(line_id)
        if schedule is None:
            return None
        status = status_at(schedule, self.clock.now(), self.overrides.get(schedule.id))
        return None if status.open else status.reason.value

    def midnight(self, zone: ZoneInfo | None = None) -> datetime:
        """When today began in ``zone`` (default: the office's): days are counted from it."""
        zone = zone or self.zone()
        return datetime.combine(self.clock.now().astimezone(zone).date(), time(0), zone)

    def keep(self, use: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call the history (``use(*args)``) so that a full or broken disk is logged and never
        stops a call: the result, or None when the history failed."""
        try:
            return use(*args, **kwargs)
        except HistoryError:
            log.exception("the call history could not be used")
            return None

    def call_on(self, line_id: str) -> Call | None:
        line = self.lines.get(line_id)
        return self.calls.get(line.call) if line and line.call else None
