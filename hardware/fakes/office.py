"""A whole simulated office: fake lines, MockFactory handsets and fake audio behind one object.

``SimulatedHardware`` is what the core asks for drivers (``hardware.interfaces.Hardware``) and
also the ``Simulation`` the demo's buttons and the API's /api/sim routes press. Handsets are the
real ``Handset`` driver on gpiozero ``MockFactory`` pins, one factory per station so any number
of stations can be added from the page.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Any

from appliance.errors import Conflict, NotFound, ValidationError
from hardware.fakes.audio import FakeAudio
from hardware.fakes.line import DTMF_KEYS, FakeLine
from hardware.handset import Handset, HandsetPins, RingCadence

# Handset 1's pins from the wiring table (hardware-and-os.md §1.7); each station has its own
# mock factory, so every simulated station can use the same numbers.
SIM_PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)
CALLER_RE = re.compile(r"\+?[0-9]{1,20}")


class SimulatedHardware:
    def __init__(self, clock: Any, *, realtime_audio: bool = False,
                 cadence: RingCadence | None = None) -> None:
        self.clock = clock
        self.audio = FakeAudio(realtime=realtime_audio)
        self.lines: dict[str, FakeLine] = {}
        self.handsets: dict[str, Handset] = {}
        self._factories: dict[str, Any] = {}
        self._cadence = cadence
        self._lock = threading.Lock()

    # -- Hardware (called by the core) --------------------------------------------------------

    def line_driver(self, line_id: str) -> FakeLine:
        with self._lock:
            line = self.lines[line_id] = FakeLine(line_id)
            return line

    def station_driver(self, station_id: str) -> Handset:
        from gpiozero.pins.mock import MockFactory

        with self._lock:
            factory = self._factories[station_id] = MockFactory()
            handset = self.handsets[station_id] = Handset(
                station_id, SIM_PINS, pin_factory=factory, cadence=self._cadence, bounce_s=None)
            return handset

    def close(self) -> None:
        self.audio.close()

    # -- Simulation (called by the demo page, the API and tests) ------------------------------

    def incoming(self, line_id: str, caller: str) -> None:
        if not isinstance(caller, str) or not CALLER_RE.fullmatch(caller):
            raise ValidationError({"caller": "Give the caller's number: digits, optional +."})
        try:
            self._line(line_id).incoming(caller)
        except RuntimeError as exc:
            raise Conflict(f"{exc}: the simulated line is out of service.") from exc

    def dtmf(self, line_id: str, digits: str) -> None:
        if not isinstance(digits, str) or not digits or set(digits) - DTMF_KEYS:
            raise ValidationError({"digits": "Use the keys 0-9, * and #."})
        self._line(line_id).press(digits)

    def hangup(self, line_id: str) -> None:
        self._line(line_id).caller_hangs_up()

    def offhook(self, station_id: str) -> None:
        self._hook_pin(station_id).drive_high()

    def onhook(self, station_id: str) -> None:
        self._hook_pin(station_id).drive_low()

    def set_clock(self, now: datetime) -> None:
        self.clock.set_now(now)

    def _line(self, line_id: str) -> FakeLine:
        line = self.lines.get(line_id)
        if line is None:
            raise NotFound(f"No simulated line '{line_id}'.")
        return line

    def _hook_pin(self, station_id: str) -> Any:
        factory = self._factories.get(station_id)
        if factory is None:
            raise NotFound(f"No simulated handset '{station_id}'.")
        return factory.pin(SIM_PINS.hook)
