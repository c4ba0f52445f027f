"""A desk handset on a Silvertel Ag1171 SLIC, driven through gpiozero.

Pins (BCM): SHK is an input, high while the handset is off hook; RM must stay low except while
ringing; F/R is high (forward) at rest and switched at the ring frequency during a ring burst,
following the country's cadence (``hardware.ringing``). The pin factory is always passed in:
gpiozero's ``MockFactory`` in tests and the demo, lgpio/RPi.GPIO on a Pi (gpiozero picks).

The ring frequency is made by the pin backend's PWM (50 % duty; lgpio and RPi.GPIO time it in
C, not Python), so a ringing handset costs a wake-up per cadence step, not one per half period.
A pin without PWM (gpiozero's plain ``MockPin``) falls back to toggling F/R from the ring
thread.

The driver only posts ``HookChanged``/``StationStatus`` and rings on command. It stops ringing
by itself the moment the handset goes off hook ("ring trip"), because ringing voltage into an
answered phone is a hardware matter, not a routing decision.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.events import HookChanged, StationStatus
from hardware.ringing import RingCadence, cadence_for

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
                 cadence: RingCadence | None = None, bounce_s: float | None = 0.02,
                 wait: Callable[[float], bool] | None = None) -> None:
        """``wait(seconds)``: how the ring thread lets time pass, True once ringing stopped
        (tests pass one that records the cadence instead of sleeping)."""
        self.station_id = station_id
        self.pins = pins
        self.cadence = cadence or cadence_for("ES")
        self._factory = pin_factory
        self._bounce_s = bounce_s
        self._post: Post | None = None
        self._cond = threading.Condition()
        self._ringing = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self._hook = self._rm = self._fr = None
        self._wait = wait or self._until_stopped

    def start(self, post: Post) -> None:
        from gpiozero import DigitalInputDevice, DigitalOutputDevice  # lazily: see module doc

        self._post = post
        try:
            self._rm = DigitalOutputDevice(self.pins.ring_mode, initial_value=False,
                                           pin_factory=self._factory)
            self._fr = self._polarity_pin()
            self._hook = DigitalInputDevice(self.pins.hook, pull_up=False,
                                            bounce_time=self._bounce_s, pin_factory=self._factory)
        except Exception as exc:  # gpiozero raises many kinds for busy or missing pins
            reason = (f"GPIO pins {self.pins} could not be opened: {exc}. Check the wiring "
                      "table and that no other program uses them.")
            post(StationStatus(self.station_id, online=False, reason=reason))
            return
        self._hook.when_activated = lambda: self._hook_changed(True)
        self._hook.when_deactivated = lambda: self._hook_changed(False)
        self._thread = threading.Thread(target=self._ring_loop, name=f"ring-{self.station_id}",
                                        daemon=True)
        self._thread.start()
        post(StationStatus(self.station_id, online=True))
        if self._hook.is_active:
            post(HookChanged(self.station_id, off_hook=True))

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
        return bool(self._hook is not None and self._hook.is_active)

    @property
    def ringing(self) -> bool:
        return self._ringing

    def ring(self) -> None:
        if self.off_hook:
            return
        with self._cond:
            self._ringing = True
            self._cond.notify_all()

    def stop_ring(self) -> None:
        with self._cond:
            self._ringing = False
            self._cond.notify_all()

    def hang_up(self) -> None:
        """Nothing to do: only a person puts an analog handset down. (A busy tone in the
        earpiece is the handset-audio work, not the hook's.)"""

    def close(self) -> None:
        with self._cond:
            self._closing, self._ringing = True, False
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for device in (self._hook, self._rm, self._fr):
            if device is not None:
                device.close()

    def _hook_changed(self, off_hook: bool) -> None:
        if off_hook:
            self.stop_ring()
        if self._post is not None:
            self._post(HookChanged(self.station_id, off_hook=off_hook))

    def _ring_loop(self) -> None:
        """Idle without polling until asked to ring; then play the cadence until stopped."""
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._ringing or self._closing)
                if self._closing:
                    return
            for on_s, off_s in self.cadence.pairs:
                stopped = self._burst(on_s)
                self._rest()                      # F/R high, then RM low (ring trip order)
                self._rm.off()
                if stopped or self._wait(off_s):
                    break

    def _burst(self, on_s: float) -> bool:
        """Ring for ``on_s``; True if stopped meanwhile."""
        self._rm.on()
        if self.pwm:
            self._fr.value = 0.5
            return self._wait(on_s)
        half_period = 0.5 / self.cadence.frequency_hz
        for _ in range(round(on_s / half_period)):
            self._fr.toggle()
            if self._wait(half_period):
                return True
        return False

    def _rest(self) -> None:
        """Forward polarity, steady: F/R high."""
        if self.pwm:
            self._fr.value = 1.0
        else:
            self._fr.on()

    def _until_stopped(self, seconds: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._ringing or self._closing,
                                       timeout=seconds)
