"""A whole simulated office: fake lines, MockFactory handsets and fake audio behind one object.

``SimulatedHardware`` is what the core asks for drivers (``hardware.interfaces.Hardware``) and
also the ``Simulation`` the demo's buttons and the API's /api/sim routes press. Handsets are the
real ``Handset`` driver on gpiozero ``MockFactory`` pins, one factory per station so any number
of stations can be added from the page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.audio.dtmf import DtmfDetector, dialled
from hardware.fakes.audio import FakeAudio
from hardware.fakes.line import DTMF_KEYS, FakeLine
from hardware.fakes.modem import Dialect, FakeModem
from hardware.handset import Handset, HandsetPins
from hardware.interfaces import BadInput, NoSuchDevice, OutOfService
from hardware.modem.gsm import GsmModem, ModemSettings
from hardware.modem.setup import PinGuard

# Handset 1's pins from the wiring table (hardware-and-os.md §1.7); each station has its own
# mock factory, so every simulated station can use the same numbers.
SIM_PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)
PIN_HISTORY = 1000          # pin changes a MockPin keeps (it records them all for tests)
# How long a simulated person holds the hook: past the debounce to lift, past the flash
# window to hang up, and a flash in between (hardware.hook's defaults).
LIFT_S, HANG_UP_S, FLASH_S = 0.1, 1.0, 0.3
CALLER_RE = re.compile(r"\+?[0-9]{1,20}")
MAX_SMS = 1600             # ten concatenated parts
# The demo's lines take turns at these dialects; every one reports the caller's keys.
DEMO_DIALECTS = (Dialect.SIM7600, Dialect.EC25, Dialect.SIM800, Dialect.HUAWEI)


class SimulatedHardware:
    """Simulated lines are ``FakeLine`` objects (``modems=False``: fast, for core tests) or pty
    fake modems driven by the real modem driver (``modems=True``: the demo). Lines named in
    ``line_devices`` get the real driver on that serial device instead of any fake."""

    def __init__(self, clock: Any, *, modems: bool = False,
                 line_devices: dict[str, str] | None = None, data_dir: Path | None = None,
                 audio: Any = None, sip: Any = None, panel: Any = None,
                 diallers: bool = False) -> None:
        """``sip``: a started ``hardware.fakes.sip.SimulatedSip`` for the analog lines and SIP
        desks it names (real baresip on both sides). ``diallers``: fake lines also dial and
        send texts, like SIM lines."""
        self.clock = clock
        self.sip, self.panel = sip, panel
        self.audio = audio if audio is not None else FakeAudio()
        self._heard = data_dir / "heard" if data_dir else None
        self.lines: dict[str, Any] = {}        # line id -> what the simulation presses
        self.handsets: dict[str, Handset] = {}
        self._factories: dict[str, Any] = {}
        self._modems = modems
        self._diallers = diallers
        self._devices = dict(line_devices or {})
        self._pins = PinGuard(data_dir / "refused-pins" if data_dir else None)
        self._hand_time = 0.0       # how far the simulated hands have moved the handsets' time
        self._links = Path(tempfile.mkdtemp(prefix="switchboard-ptys-")) if modems else None
        self._lock = threading.Lock()

    # -- Hardware (called by the core) --------------------------------------------------------

    def wired(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Nothing is wired ahead: a simulated line or handset exists for any id."""
        return (), ()

    def line_driver(self, line_id: str) -> Any:
        with self._lock:
            if self.sip is not None and line_id in self.sip.lines:
                return self.sip.line_driver(line_id)
            if line_id in self._devices:
                return GsmModem(line_id, ModemSettings(self._devices[line_id]),
                                pin_guard=self._pins)
            if not self._modems:
                line = self.lines[line_id] = FakeLine(line_id, dials=self._diallers)
                return line
            n = len(self.lines)
            modem = FakeModem(DEMO_DIALECTS[n % len(DEMO_DIALECTS)], name=line_id,
                              link=self._links / f"{line_id}-at", seed=n,
                              imei=str(862000000000001 + n),     # each SIM line its own
                              iccid=str(8934071100000000001 + n))
            modem.start()
            self.lines[line_id] = modem
            return GsmModem(line_id, ModemSettings(modem.path), pin_guard=self._pins)

    def station_driver(self, station_id: str) -> Any:
        from gpiozero.pins.mock import MockFactory

        with self._lock:
            if self.sip is not None and station_id in self.sip.stations:
                return self.sip.station_driver(station_id)
            factory = self._factories[station_id] = MockFactory()
            handset = self.handsets[station_id] = Handset(
                station_id, SIM_PINS, pin_factory=factory,
                clock=lambda: time.monotonic() + self._hand_time)
            return handset

    def trunk_driver(self, line_id: str) -> Any:
        """A line's leg to a PBX (gateway mode) exists only through ``sip``."""
        return self.sip.trunk_driver(line_id) if self.sip is not None else None

    def close(self) -> None:
        """Stop the fakes (the core has closed the drivers on them already)."""
        self.audio.close()
        if self.sip is not None:
            self.sip.close()
        if self.panel is not None:
            self.panel.close()
        for fake in self.lines.values():
            fake.close()
        if self._links is not None:
            shutil.rmtree(self._links, ignore_errors=True)

    # -- Simulation (called by the demo page, the API and tests) ------------------------------

    def incoming(self, line_id: str, caller: str) -> None:
        if not isinstance(caller, str) or not CALLER_RE.fullmatch(caller):
            raise BadInput("caller", "Give the caller's number: digits, optional +.")
        try:
            self._line(line_id).ring(caller)
        except RuntimeError as exc:
            raise OutOfService(f"{exc}: the simulated line is out of service.") from exc

    def dtmf(self, line_id: str, digits: str) -> None:
        self._line(line_id).press(_keys(digits))

    def hangup(self, line_id: str) -> None:
        self._line(line_id).caller_hangs_up()

    def sms(self, line_id: str, sender: str, text: str) -> None:
        """A text to the line: on a simulated modem a real +CMTI and PDU through the driver."""
        if not isinstance(sender, str) or not CALLER_RE.fullmatch(sender):
            raise BadInput("sender", "Give the sender's number: digits, optional +.")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_SMS:
            raise BadInput("text", f"Give the text: 1 to {MAX_SMS} characters.")
        line = self._line(line_id)
        if isinstance(line, FakeModem):
            line.deliver_sms(sender, text)
        elif isinstance(line, FakeLine):
            line.receive_sms(sender, text)
        else:
            raise OutOfService(f"Line '{line_id}' cannot receive texts (it is not a SIM).")

    def offhook(self, station_id: str) -> None:
        if self._sip_desk(station_id):
            self.sip.offhook(station_id)
        else:
            self._hand(station_id, (True, LIFT_S))

    def onhook(self, station_id: str) -> None:
        if self._sip_desk(station_id):
            self.sip.onhook(station_id)
        else:
            self._hand(station_id, (False, HANG_UP_S))

    def flash(self, station_id: str) -> None:
        """A hook flash: down for FLASH_S, then up again (staff asking for hold / return)."""
        if self._sip_desk(station_id):
            raise OutOfService("A SIP phone's flash is its own (it puts the call on hold "
                               "itself); only a handset on GPIO flashes here.")
        if not self._handset(station_id).off_hook:
            raise OutOfService(f"Lift the handset '{station_id}' first: a flash is a short "
                               "press of the hook on a lifted handset.")
        self._hand(station_id, (False, FLASH_S), (True, LIFT_S))

    def dial(self, station_id: str, digits: str) -> None:
        """Keys pressed on a lifted idle handset: their DTMF audio, through the real detector
        (on a Pi the audio engine feeds it the handset's microphone)."""
        if self._sip_desk(station_id):
            raise OutOfService("Feature codes are for handsets on GPIO; a SIP phone dials out "
                               "on its own, which the box refuses.")
        digits = _keys(digits)
        handset = self._handset(station_id)
        if not handset.off_hook:
            raise OutOfService(f"Lift the handset '{station_id}' first: feature codes are "
                               "dialled on a lifted handset.")
        for key in DtmfDetector().feed(dialled(digits)):
            handset.digit_heard(key)

    def _hand(self, station_id: str, *moves: tuple[bool, float]) -> None:
        """Move the hook: each level held for its time, by moving the handsets' clock on
        (their bells keep real time otherwise), which the handset follows at once (``tick``),
        so the core hears it before this returns."""
        pin, handset = self._hook_pin(station_id), self._handset(station_id)
        for level, hold_s in moves:
            pin.drive_high() if level else pin.drive_low()
            with self._lock:
                self._hand_time += hold_s
            handset.tick()

    def set_clock(self, now: datetime) -> None:
        self.clock.set_now(now)

    def heard(self) -> list[dict[str, str]]:
        """Per call, a WAV of what the caller heard (demo with real audio only), newest first."""
        if self._heard is None or not self._heard.is_dir():
            return []
        found = []
        for wav in sorted(self._heard.glob("line-*.wav"), reverse=True):
            port, _, stamp = wav.stem.rpartition("-")
            found.append({"name": wav.name, "line": port.removeprefix("line-"),
                          "started": datetime.strptime(stamp, "%Y%m%dT%H%M%S").isoformat()})
        return found

    def heard_file(self, name: str) -> Path:
        path = (self._heard / name) if self._heard and "/" not in name else None
        if path is None or not path.is_file() or path.suffix != ".wav":
            raise NoSuchDevice(f"No recording '{name}'.")
        return path

    def _sip_desk(self, station_id: str) -> bool:
        return self.sip is not None and station_id in self.sip.stations

    def _line(self, line_id: str) -> Any:
        if self.sip is not None and line_id in self.sip.lines:
            return self.sip.ata(line_id)
        line = self.lines.get(line_id)
        if line is None:
            raise NoSuchDevice(f"No simulated line '{line_id}'" + (
                " (it is a real device)." if line_id in self._devices else "."))
        return line

    def _handset(self, station_id: str) -> Handset:
        handset = self.handsets.get(station_id)
        if handset is None:
            raise NoSuchDevice(f"No simulated handset '{station_id}'.")
        return handset

    def _hook_pin(self, station_id: str) -> Any:
        factory = self._factories.get(station_id)
        if factory is None:
            raise NoSuchDevice(f"No simulated handset '{station_id}'.")
        for pin in factory.pins.values():   # the demo's ringing would grow them for ever
            if len(pin.states) > PIN_HISTORY:
                pin.clear_states()
        return factory.pin(SIM_PINS.hook)


def _keys(digits: str) -> str:
    """``digits`` if they are keys of a phone's keypad (a BadInput for the API otherwise)."""
    if not isinstance(digits, str) or not digits or set(digits) - DTMF_KEYS:
        raise BadInput("digits", "Use the keys 0-9, * and #.")
    return digits
