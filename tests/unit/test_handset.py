"""The SLIC handset driver on gpiozero MockFactory pins, on a made-up clock: the ring waveform
per country, ring trip, and what the hook says (lift, flash, hang-up, pulses)."""

from __future__ import annotations

import itertools
import queue

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from appliance.events import DigitDialled, HookChanged, HookFlash, StationStatus
from hardware.handset import Handset, HandsetPins
from hardware.ringing import COUNTRY_CADENCES, cadence_for

PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Rig:
    """A handset on mock pins and a made-up clock; ``run`` moves time through every deadline
    and notes each change of RM and F/R with its time."""

    def __init__(self, factory: MockFactory, country: str = "ES") -> None:
        self.factory, self.clock, self.events = factory, Clock(), queue.SimpleQueue()
        self.handset = Handset("desk", PINS, pin_factory=factory, cadence=cadence_for(country),
                               clock=self.clock)
        self.handset.start(self.events.put)
        self.rm, self.fr = factory.pin(PINS.ring_mode), factory.pin(PINS.forward_reverse)
        self.changes: list[tuple[float, bool, float]] = []

    def run(self, seconds: float) -> None:
        until = self.clock.t + seconds
        while (deadline := self.handset.next_deadline()) is not None and deadline <= until:
            self.clock.t = max(self.clock.t, deadline)
            self.handset.tick()
            self._note()
        self.clock.t = until
        self.handset.tick()
        self._note()

    def hook(self, off_hook: bool) -> None:
        pin = self.factory.pin(PINS.hook)
        pin.drive_high() if off_hook else pin.drive_low()
        self._note()

    def _note(self) -> None:
        now = (round(self.clock.t - 100.0, 4), bool(self.rm.state), float(self.fr.state))
        if not self.changes or self.changes[-1][1:] != now[1:]:
            self.changes.append(now)

    def posted(self) -> list:
        out = []
        while not self.events.empty():
            out.append(self.events.get())
        return [e for e in out if not isinstance(e, StationStatus)]


@pytest.fixture
def rig():
    factory = MockFactory(pin_class=MockPWMPin)
    made = Rig(factory)
    yield made
    made.handset.close()
    factory.reset()


def test_start_reports_online_with_safe_pin_levels():
    factory = MockFactory()
    events: list = []
    handset = Handset("desk", PINS, pin_factory=factory)
    handset.start(events.append)
    try:
        assert events == [StationStatus("desk", online=True)]
        assert factory.pin(PINS.ring_mode).state is False       # never in ring mode at rest
        assert factory.pin(PINS.forward_reverse).state is True  # forward polarity
    finally:
        handset.close()


def test_lifting_and_hanging_up_are_told_after_the_debounce_and_the_flash_window(rig):
    rig.hook(True)
    assert rig.posted() == []                                  # still settling
    rig.run(0.03)
    assert rig.posted() == [HookChanged("desk", off_hook=True)]
    rig.hook(False)
    rig.run(0.5)
    assert rig.posted() == []                                  # could still be a flash
    rig.run(0.5)
    assert rig.posted() == [HookChanged("desk", off_hook=False)]


def test_a_flash_and_pulsed_digits_while_lifted(rig):
    rig.hook(True)
    rig.run(1)
    rig.hook(False)
    rig.run(0.3)
    rig.hook(True)
    rig.run(1)
    for _ in range(2):                                          # "2" on a rotary dial
        rig.hook(False)
        rig.run(0.06)
        rig.hook(True)
        rig.run(0.04)
    rig.run(1)
    assert rig.posted() == [HookChanged("desk", off_hook=True), HookFlash("desk"),
                            DigitDialled("desk", "2")]


@pytest.mark.parametrize(("country", "bursts"), [
    ("ES", [(0.0, 1.5), (4.5, 6.0), (9.0, 10.5)]),
    ("GB", [(0.0, 0.4), (0.6, 1.0), (3.0, 3.4), (3.6, 4.0)]),
])
def test_the_ring_waveform_follows_the_countrys_cadence_on_pwm_pins(country, bursts):
    """RM high only during bursts; F/R at 50 % duty (the ring frequency is the pin's PWM)
    during them and steady high between."""
    factory = MockFactory(pin_class=MockPWMPin)
    rig = Rig(factory, country)
    try:
        rig.handset.ring()
        rig.run(bursts[-1][1] + 0.01)
        expected = []
        for start, end in bursts:
            expected += [(start, True, 0.5), (end, False, 1.0)]
        assert rig.changes == expected
        assert rig.fr.frequency == cadence_for(country).frequency_hz
    finally:
        rig.handset.close()
        factory.reset()


def test_without_pwm_the_driver_toggles_polarity_at_the_ring_frequency():
    factory = MockFactory()
    rig = Rig(factory, "US")                                    # 2 s bursts at 20 Hz
    try:
        assert not rig.handset.pwm
        rig.handset.ring()
        rig.run(2.0)
        levels = [1.0] + [fr for t, _, fr in rig.changes if t < 2.0]    # from rest (high)
        flips = sum(1 for a, b in itertools.pairwise(levels) if a != b)
        assert flips == 80                                       # 2 s x 20 Hz x 2 edges
        assert rig.rm.state is False
        assert rig.fr.state is True
    finally:
        rig.handset.close()
        factory.reset()


def test_lifting_stops_the_bell_at_once_and_answers_after_the_ringing_debounce(rig):
    rig.handset.ring()
    rig.run(0.5)
    assert rig.rm.state
    rig.hook(True)
    assert not rig.rm.state                                     # ring trip, no waiting
    rig.run(0.05)
    assert rig.posted() == []                                   # 80 ms while ringing
    rig.run(0.05)
    assert rig.posted() == [HookChanged("desk", off_hook=True)]
    assert not rig.handset.ringing


def test_a_ringing_transient_pauses_the_bell_and_the_next_burst_rings(rig):
    rig.handset.ring()
    rig.run(0.5)
    rig.hook(True)
    rig.clock.t += 0.01
    rig.hook(False)
    rig.run(4.2)                                                # into the next burst
    assert rig.posted() == []
    assert rig.handset.ringing
    assert rig.rm.state


def test_an_off_hook_handset_is_never_rung(rig):
    rig.hook(True)
    rig.run(0.1)
    rig.handset.ring()
    assert rig.handset.ringing is False


def test_close_stops_the_handset_thread():
    factory = MockFactory()
    handset = Handset("desk", PINS, pin_factory=factory)
    handset.start(lambda e: None)
    handset.ring()
    handset.close()
    assert handset._thread is None


def test_pins_in_use_are_reported_with_what_to_do():
    from gpiozero import DigitalInputDevice

    factory = MockFactory()
    holder = DigitalInputDevice(PINS.hook, pin_factory=factory)
    events: list = []
    handset = Handset("desk", PINS, pin_factory=factory)
    handset.start(events.append)
    holder.close()
    handset.close()
    assert len(events) == 1
    assert events[0].online is False
    assert "Check the wiring" in events[0].reason


def test_every_country_the_office_may_be_in_has_a_cadence():
    assert set(COUNTRY_CADENCES) >= {"ES", "PT", "FR", "DE", "IT", "GB", "US", "MX", "AR", "CL",
                                      "CO", "BR"}
    assert cadence_for("gb").pairs == ((0.4, 0.2), (0.4, 2.0))     # the double ring
    assert (cadence_for("US").frequency_hz, cadence_for("ES").frequency_hz) == (20.0, 25.0)
    assert cadence_for("ES", frequency_hz=20).pairs == ((1.5, 3.0),)
    with pytest.raises(ValueError, match="known: AR"):
        cadence_for("XX")
