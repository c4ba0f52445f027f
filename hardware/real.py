"""The appliance's real devices, as the core asks for them (``hardware.interfaces.Hardware``).

Modems by their stable serial path; handsets on GPIO through gpiozero's default pin factory
(lgpio, the one backend the installer puts in the venv: it works on every Pi, the 5 too);
analog lines and SIP phones on the box's one baresip (``hardware.sip.hub``, which the assembly
built and started); audio through the engine the assembly built. A line or station with
nothing wired is reported offline with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardware.handset import Handset, HandsetPins
from hardware.hook import HookTiming
from hardware.interfaces import LineDriver, StationDriver, TrunkDriver
from hardware.modem.gsm import GsmModem, ModemSettings
from hardware.modem.setup import PinGuard
from hardware.panel import Panel
from hardware.ringing import cadence_for


class RealHardware:
    def __init__(self, settings: Any, audio: Any, data_dir: Path, sip: Any = None) -> None:
        self.audio = audio
        self.sip = sip
        self._lines = {w.id: w for w in settings.lines}
        self._handsets = {w.station: w for w in settings.handsets}
        self._phones = {w.station: w for w in settings.phones}
        self._gateway = settings.sip is not None and settings.sip.gateway
        self._country = settings.country
        wiring = settings.panel
        self.panel = (Panel(wiring.lamps, wiring.closed_switch)
                      if wiring is not None else None)
        self._pins = PinGuard(data_dir / "refused-pins")
        self._drivers: dict[str, Callable[[Any], LineDriver]] = {"gsm": self._gsm,
                                                                 "analog": self._analog}
        # The PIN the owner typed on the page for a line (set by the assembly, which has the
        # store); it wins over the settings file's. Read when the line's driver is made.
        self.page_pins: Callable[[str], str | None] = lambda line_id: None

    def line_driver(self, line_id: str) -> LineDriver | None:
        """The driver for the line's kind: a new kind is a new entry in ``_drivers``."""
        wiring = self._lines.get(line_id)
        make = self._drivers.get(wiring.kind) if wiring is not None else None
        return make(wiring) if make is not None else None

    def _gsm(self, wiring: Any) -> GsmModem:
        pin = self.page_pins(wiring.id) or wiring.pin
        return GsmModem(wiring.id, ModemSettings(wiring.device, dialect=wiring.dialect, pin=pin),
                        pin_guard=self._pins)

    def _analog(self, wiring: Any) -> LineDriver:
        return self.sip.line(wiring.id, wiring.ata)

    def station_driver(self, station_id: str) -> StationDriver | None:
        phone = self._phones.get(station_id)
        if phone is not None:
            return self.sip.station(station_id, phone.uri)
        wiring = self._handsets.get(station_id)
        if wiring is None:
            return None
        pins = HandsetPins(wiring.hook, wiring.ring_mode, wiring.forward_reverse)
        cadence = cadence_for(wiring.ring or self._country, wiring.ring_hz)
        timing = HookTiming(flash_min_s=wiring.flash_ms[0] / 1000,
                            flash_max_s=wiring.flash_ms[1] / 1000)
        return Handset(station_id, pins, pin_factory=None, cadence=cadence, timing=timing)

    def trunk_driver(self, line_id: str) -> TrunkDriver | None:
        """The line's leg to the office's PBX, when ``[sip] gateway`` is on."""
        if self.sip is None or not self._gateway or line_id not in self._lines:
            return None
        return self.sip.trunk(line_id)

    def wired(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The ids the installer wired in the settings file: what the owner can set up."""
        return tuple(self._lines), (*self._handsets, *self._phones)

    def close(self) -> None:
        self.audio.close()
        if self.panel is not None:
            self.panel.close()
        if self.sip is not None:
            self.sip.close()
