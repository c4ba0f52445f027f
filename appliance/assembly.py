"""The composition root: build store, history, hardware, core and API, start and stop in order.

Real or simulated hardware is chosen here, once; nothing below this module decides it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .api import ApplianceApi
from .engine import Engine
from .history import History
from .model import Presence
from .store import ConfigStore

log = logging.getLogger(__name__)


@dataclass
class Appliance:
    store: ConfigStore
    history: History
    engine: Engine
    hardware: Any
    api: ApplianceApi
    clock: Any

    def start(self) -> None:
        self.store.subscribe(self._config_changed)
        self.engine.start(self.store.config())

    def close(self) -> None:
        """Stop in reverse order of start; safe to call twice."""
        self.engine.close()
        self.hardware.close()
        self.history.close()
        self.store.close()

    def _config_changed(self, config: Any) -> None:
        from .events import ConfigChanged

        self.engine.post(ConfigChanged(config))


def build(data_dir: Path, hardware: Any, clock: Any, *, simulation: Any = None) -> Appliance:
    data_dir.mkdir(parents=True, exist_ok=True)
    store = ConfigStore(data_dir / "config.json")
    history = History(data_dir / "history.sqlite3")

    def persist_presence(agent_id: str, presence: Presence) -> None:
        try:
            store.set_presence(agent_id, presence)
        except Exception:  # the agent may have been deleted meanwhile; the core already knows
            log.exception("could not save presence of %s", agent_id)

    engine = Engine(hardware, clock, history, persist_presence=persist_presence)
    recordings = data_dir / "recordings"
    recordings.mkdir(exist_ok=True)
    api = ApplianceApi(store, engine, history, simulation, recordings=recordings)
    return Appliance(store, history, engine, hardware, api, clock)


def build_simulated(data_dir: Path, clock: Any, *, realtime_audio: bool = False,
                    cadence: Any = None, modems: bool = False,
                    line_devices: dict[str, str] | None = None) -> Appliance:
    """The whole appliance on simulated hardware (tests and ``switchboard demo``).

    ``modems``: lines are pty fake modems behind the real modem driver (the demo) instead of
    in-process fake lines (fast core tests). ``line_devices``: line id → a real serial device.
    """
    from hardware.fakes.office import SimulatedHardware

    data_dir.mkdir(parents=True, exist_ok=True)
    hardware = SimulatedHardware(clock, realtime_audio=realtime_audio, cadence=cadence,
                                 modems=modems, line_devices=line_devices, data_dir=data_dir)
    return build(data_dir, hardware, clock, simulation=hardware)
