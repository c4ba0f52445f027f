"""What the web layer may call: one facade over the store, the core's snapshot and history.

The web app receives an ``ApplianceApi`` and nothing else, so it never touches drivers or core
state directly (design: "the web app reads the latest snapshot and sends commands").
Every method returns plain JSON-ready values or raises an ``ApplianceError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from .errors import NotFound, ValidationError
from .model import Presence


class Simulation(Protocol):
    """Buttons for simulated hardware (only present in ``switchboard demo`` and tests)."""

    def incoming(self, line_id: str, caller: str) -> None: ...
    def dtmf(self, line_id: str, digits: str) -> None: ...
    def hangup(self, line_id: str) -> None: ...
    def offhook(self, station_id: str) -> None: ...
    def onhook(self, station_id: str) -> None: ...
    def set_clock(self, now: datetime) -> None: ...


class ApplianceApi:
    def __init__(self, store: Any, engine: Any, history: Any,
                 simulation: Simulation | None = None) -> None:
        self.store = store
        self.engine = engine
        self.history = history
        self._simulation = simulation

    # -- live state ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The contract's /api/status document from the core's latest immutable snapshot."""
        return self.engine.snapshot().to_dict()

    def calls(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.history.recent(_limit(limit))

    def sms(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.history.recent_sms(_limit(limit))

    # -- configuration ------------------------------------------------------------------------

    def list(self, kind: str) -> list[dict[str, Any]]:
        return self.store.list(kind)

    def get(self, kind: str, rid: str) -> dict[str, Any]:
        return self.store.get(kind, rid)

    def create(self, kind: str, doc: Any) -> dict[str, Any]:
        return self.store.create(kind, doc)

    def update(self, kind: str, rid: str, doc: Any) -> dict[str, Any]:
        return self.store.update(kind, rid, doc)

    def delete(self, kind: str, rid: str) -> None:
        self.store.delete(kind, rid)

    def set_presence(self, agent_id: str, presence: Any) -> dict[str, Any]:
        try:
            value = Presence(presence)
        except ValueError:
            raise ValidationError(
                {"presence": "Must be one of: available, away, offline."}) from None
        return self.store.set_presence(agent_id, value)

    # -- simulation ---------------------------------------------------------------------------

    @property
    def simulated(self) -> bool:
        return self._simulation is not None

    @property
    def sim(self) -> Simulation:
        if self._simulation is None:
            raise NotFound("Simulation is only available in 'switchboard demo'.")
        return self._simulation


def _limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise ValidationError({"limit": "Must be between 1 and 1000."})
    return limit
