"""A desk handset on a Silvertel Ag1171 SLIC, driven through gpiozero.

Pins (BCM): SHK is an input, high while the handset is off hook; RM must stay low except while
ringing; F/R is high (forward) at rest and switched at the ring frequency during a ring burst,
following the country's cadence (``hardware.ringing``). The pin factory is always passed in:
gpiozero's ``MockFactory`` in tests and the demo, lgpio/RPi.GPIO on a Pi (gpiozero picks).

The ring frequency is made by the pin backend's PWM (50 % duty; lgpio and RPi.GPIO time it in
C, not Python), so a ringing handset costs a wake-up per cadence step, not one per half period.
A pin without PWM (gpiozero's plain ``MockPin``) falls back to toggling F/R every half period.

SHK is read raw (no gpiozero debounce) through ``HookReader``, which tells a lift, a flash, a
hang-up and rotary pulses apart by their timing. One thread per handset (``handset-<id>``)
sleeps until the next thing due (a cadence step or a hook deadline) or a command: it waits,
never polls. The bell stops the moment SHK goes high while ringing (ring trip, before any
debounce: ringing voltage into an answered phone is a hardware matter); if the level was only
a ringing transient, the bell comes back with the cadence's next burst.

The driver only posts events (``HookChanged``, ``HookFlash``, ``DigitDialled``,
``StationStatus``) and rings on command; the core decides what they mean.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.events import DigitDialled, HookChanged, HookFlash, StationStatus
from hardware.hook import Hook, HookReader, HookTiming, Signal
from hardware.ringing import RingCadence, cadence_for
from hardware.sentences import Text

from .interfaces import Post

__all__ = ["Handset", "HandsetPins", "RingCadence"]


@dataclass(frozen=True)
class HandsetPins:
    hook: int
    ring_mode: int
    forward_reverse: int


class Handset:
    kind = "gpio"

    def __init__(self, station_id: str, pins: HandsetPins, *, pin_factory: Any,
                 cadence: RingCadence | None = None, timing: HookTiming | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``clock``: the handset's time (the demo and tests pass a simulated one and call
        ``tick`` after moving it)."""
        self.station_id = station_id
        self.pins = pins
        self.cadence = cadence or cadence_for("ES")
        self._factory = pin_factory
        self._clock = clock
        self._reader = HookReader(timing)
        self._post: Post = lambda event: None
        self._cond = threading.Condition()
        self._ringing = False
        self._ring_at: float | None = None    # the next cadence step
        self._pair = 0                        # which (on, off) pair of the cadence
        self._burst_on, self._burst_end = False, 0.0
        self._bell_on = False                 # RM high (a burst may be paused by a lift)
        self._closing = False
        self._thread: threading.Thread | None = None
        self._hook = self._rm = self._fr = None

    def start(self, post: Post) -> None:
        from gpiozero import DigitalInputDevice, DigitalOutputDevice  # lazily: see module doc

        self._post = post
        try:
            self._rm = DigitalOutputDevice(self.pins.ring_mode, initial_value=False,
                                           pin_factory=self._factory)
            self._fr = self._polarity_pin()
            self._hook = DigitalInputDevice(self.pins.hook, pull_up=False, bounce_time=None,
                                            pin_factory=self._factory)
        except Exception as exc:  # gpiozero raises many kinds for busy or missing pins
            pins = self.pins
            reason = Text("GPIO pins %(pins)s could not be opened: %(error)s. Check the wiring "
                          "table and that no other program uses them.",
                          pins=f"{pins.hook} (SHK), {pins.ring_mode} (RM), "
                               f"{pins.forward_reverse} (F/R)", error=str(exc))
            post(StationStatus(self.station_id, online=False, reason=reason))
            return
        self._hook.when_activated = lambda: self._edge(True)
        self._hook.when_deactivated = lambda: self._edge(False)
        self._thread = threading.Thread(target=self._run, name=f"handset-{self.station_id}",
                                        daemon=True)
        self._thread.start()
        post(StationStatus(self.station_id, online=True))
        if self._hook.is_active:
            self._edge(True)

    def _polarity_pin(self) -> Any:
        """F/R as a PWM output at the ring frequency, or a plain output to toggle."""
        from gpiozero import DigitalOutputDevice, PWMOutputDevice
        from gpiozero.exc import PinPWMUnsupported

        try:
            return PWMOutputDevice(self.pins.forward_reverse, initial_value=1.0,
                                   frequency=self.cadence.frequency_hz, pin_factory=self._factory)
        except PinPWMUnsupported:
            return DigitalOutputDevice(self.pins.forward_reverse, initial_value=True,
                                       pin_factory=self._factory)

    @property
    def pwm(self) -> bool:
        """Whether the ring frequency comes from the pin's PWM (else from toggling)."""
        return hasattr(self._fr, "frequency")

    @property
    def off_hook(self) -> bool:
        return self._reader.off_hook

    @property
    def ringing(self) -> bool:
        return self._ringing

    # -- commands (any thread) --------------------------------------------------------------

    def ring(self) -> None:
        with self._cond:
            if self._reader.off_hook or self._ringing:
                return
            self._ringing, self._pair, self._ring_at = True, 0, self._clock()
            self._cond.notify_all()

    def stop_ring(self) -> None:
        with self._cond:
            self._silence()
            self._cond.notify_all()

    def hang_up(self) -> None:
        """Nothing to do: only a person puts an analog handset down. (A busy tone in the
        earpiece is the handset-audio work, not the hook's.)"""

    def digit_heard(self, key: str) -> None:
        """A key the DTMF detector heard in this handset's audio (``hardware.audio.dtmf``)."""
        self._post(DigitDialled(self.station_id, key))

    def tick(self) -> None:
        """Do now what the handset's clock says is due (the simulation moves that clock)."""
        with self._cond:
            self._due(self._clock())
            self._cond.notify_all()

    def next_deadline(self) -> float | None:
        with self._cond:
            return self._next_deadline()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._silence()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for device in (self._hook, self._rm, self._fr):
            if device is not None:
                device.close()

    # -- the handset's thread, and edges from gpiozero's ------------------------------------

    def _run(self) -> None:
        with self._cond:
            while not self._closing:
                self._due(self._clock())
                deadline = self._next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - self._clock())
                self._cond.wait(timeout)

    def _edge(self, level: bool) -> None:
        with self._cond:
            if level and self._bell_on:
                self._bell(False)             # ring trip first; the reader decides later
            self._tell(self._reader.edge(level, self._clock(), ringing=self._ringing))
            self._cond.notify_all()

    def _due(self, now: float) -> None:
        self._tell(self._reader.due(now))
        while self._ringing and self._ring_at is not None and now >= self._ring_at:
            self._ring_step()

    def _next_deadline(self) -> float | None:
        times = [t for t in (self._reader.next_deadline(),
                             self._ring_at if self._ringing else None) if t is not None]
        return min(times, default=None)

    def _tell(self, signals: list[Signal]) -> None:
        for signal in signals:
            if signal.hook is Hook.LIFTED:
                self._silence()
                self._post(HookChanged(self.station_id, off_hook=True))
            elif signal.hook is Hook.PUT_DOWN:
                self._post(HookChanged(self.station_id, off_hook=False))
            elif signal.hook is Hook.FLASH:
                self._post(HookFlash(self.station_id))
            elif signal.digit is not None:
                self._post(DigitDialled(self.station_id, signal.digit))

    # -- the bell ---------------------------------------------------------------------------

    def _ring_step(self) -> None:
        """What is due in the cadence: a burst starts or ends, or (toggling) F/R flips."""
        at = self._ring_at
        assert at is not None
        half = 0.5 / self.cadence.frequency_hz
        if self._burst_on and at < self._burst_end:          # only when toggling
            if self._bell_on:
                self._fr.toggle()
            self._ring_at = min(at + half, self._burst_end)
        elif not self._burst_on:
            on_s, _ = self.cadence.pairs[self._pair % len(self.cadence.pairs)]
            self._burst_on, self._burst_end = True, at + on_s
            self._bell(not self._reader.raw_off_hook)       # not into a lifted handset
            self._ring_at = self._burst_end if self.pwm else min(at + half, self._burst_end)
        else:
            _, off_s = self.cadence.pairs[self._pair % len(self.cadence.pairs)]
            self._bell(False)
            self._burst_on, self._pair = False, self._pair + 1
            self._ring_at = self._burst_end + off_s

    def _bell(self, on: bool) -> None:
        """Ring mode with F/R at the ring frequency, or rest: F/R high, then RM low."""
        if on:
            self._rm.on()
            if self.pwm:
                self._fr.value = 0.5
            else:
                self._fr.toggle()
        else:
            if self.pwm:
                self._fr.value = 1.0
            else:
                self._fr.on()
            self._rm.off()
        self._bell_on = on

    def _silence(self) -> None:
        if self._bell_on:
            self._bell(False)
        self._ringing, self._ring_at, self._burst_on = False, None, False
