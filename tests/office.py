"""A test driver for a whole simulated office: press buttons, then wait for the core to settle.

Every action returns only after the core has handled everything it caused (``Engine.settle``),
so tests assert on state without sleeping. Time moves only through ``advance``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.core.state import Snapshot
from appliance.ops.assembly import Appliance


class Office:
    def __init__(self, appliance: Appliance) -> None:
        self.app = appliance
        self.store = appliance.store
        self.hw = appliance.hardware
        self.engine = appliance.engine
        self.clock = appliance.clock

    # -- configuration ---------------------------------------------------------------------

    def add(self, kind: str, **doc: Any) -> dict[str, Any]:
        result = self.store.create(kind, doc)
        self.settle()
        return result

    def change(self, kind: str, rid: str, **doc: Any) -> dict[str, Any]:
        """Replace the fields given, whole (a new ``entry`` replaces the old one)."""
        result = self.store.update(kind, rid, self.store.get(kind, rid) | doc)
        self.settle()
        return result

    # -- the outside world -----------------------------------------------------------------

    def call(self, line: str, caller: str = "600111222") -> None:
        self.hw.incoming(line, caller)
        self.settle()

    def press(self, line: str, digits: str) -> None:
        self.hw.dtmf(line, digits)
        self.settle()

    def caller_hangs_up(self, line: str) -> None:
        self.hw.hangup(line)
        self.settle()

    def pick_up(self, station: str) -> None:
        self.hw.offhook(station)
        self.settle()

    def put_down(self, station: str) -> None:
        self.hw.onhook(station)
        self.settle()

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.settle()

    def set_time(self, when: datetime) -> None:
        self.clock.set_now(when)
        self.settle()

    # -- looking -----------------------------------------------------------------------------

    def settle(self) -> None:
        self.engine.settle()

    @property
    def status(self) -> Snapshot:
        return self.engine.snapshot()

    def agent_state(self, agent: str) -> str:
        return self.status.agent(agent).state

    def call_on(self, line: str) -> Any:
        return self.status.call_on(line)

    def ringing(self) -> set[str]:
        """Stations whose bell is ringing, as the handset drivers see it."""
        return {sid for sid, h in self.hw.handsets.items() if h.ringing}

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.app.history.recent(limit)

    def last_call(self) -> dict[str, Any]:
        return self.history(1)[0]

    def heard(self, line: str) -> list[str]:
        return self.hw.audio.played(f"line:{line}")


@contextmanager
def running(data_dir: Path, clock: Any, **options: Any) -> Iterator[Office]:
    """A started simulated appliance (``options``: ``build_simulated``'s) as an ``Office``;
    closed at the end, which fails if the core logged exceptions while handling events."""
    from appliance.ops.assembly import build_simulated

    appliance = build_simulated(data_dir, clock, **options)
    appliance.start()
    office = Office(appliance)
    office.settle()
    try:
        yield office
    finally:
        appliance.close()
    assert appliance.engine.failures == 0, "the core logged exceptions while handling events"
