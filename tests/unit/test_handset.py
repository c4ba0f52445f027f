"""The SLIC handset driver on gpiozero MockFactory pins: hook events, ring cadence, ring trip."""

from __future__ import annotations

import queue

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from appliance.events import HookChanged, StationStatus
from hardware.handset import Handset, HandsetPins, RingCadence
from hardware.ringing import COUNTRY_CADENCES, cadence_for
from tests.waiting import wait_for

PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)
FAST = RingCadence(((0.1, 0.05),), frequency_hz=50)


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


@pytest.fixture
def handset(factory):
    events: queue.SimpleQueue = queue.SimpleQueue()
    h = Handset("desk", PINS, pin_factory=factory, cadence=FAST, bounce_s=None)
    h.start(events.put)
    h.events = events
    yield h
    h.close()


def drain(q) -> list:
    out = []
    while not q.empty():
        out.append(q.get())
    return out


def test_start_reports_online_with_safe_pin_levels(handset, factory):
    assert drain(handset.events) == [StationStatus("desk", online=True)]
    assert factory.pin(PINS.ring_mode).state is False       # never in ring mode at rest
    assert factory.pin(PINS.forward_reverse).state is True  # forward polarity


def test_hook_changes_become_events(handset, factory):
    drain(handset.events)
    factory.pin(PINS.hook).drive_high()
    factory.pin(PINS.hook).drive_low()
    assert drain(handset.events) == [HookChanged("desk", off_hook=True),
                                     HookChanged("desk", off_hook=False)]


def test_ringing_holds_ring_mode_and_toggles_polarity_then_rests(handset, factory):
    rm, fr = factory.pin(PINS.ring_mode), factory.pin(PINS.forward_reverse)
    handset.ring()
    wait_for(lambda: sum(1 for s in fr.states if not s.state) >= 3)
    assert any(s.state for s in rm.states)
    handset.stop_ring()
    wait_for(lambda: rm.state is False and fr.state is True)
    assert handset.ringing is False


def test_lifting_the_handset_stops_the_bell_at_once(handset, factory):
    handset.ring()
    wait_for(lambda: factory.pin(PINS.ring_mode).state is True)
    factory.pin(PINS.hook).drive_high()
    assert handset.ringing is False
    wait_for(lambda: factory.pin(PINS.ring_mode).state is False)


def test_an_off_hook_handset_is_never_rung(handset, factory):
    factory.pin(PINS.hook).drive_high()
    handset.ring()
    assert handset.ringing is False


def test_close_stops_the_ring_thread(factory):
    h = Handset("desk", PINS, pin_factory=factory, cadence=FAST, bounce_s=None)
    h.start(lambda e: None)
    h.ring()
    h.close()
    assert h._thread is None


def test_pins_in_use_are_reported_with_what_to_do(factory):
    factory.pin(PINS.hook)
    from gpiozero import DigitalInputDevice
    holder = DigitalInputDevice(PINS.hook, pin_factory=factory)
    events: list = []
    h = Handset("desk", PINS, pin_factory=factory, bounce_s=None)
    h.start(events.append)
    holder.close()
    h.close()
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


class Timeline:
    """The ring thread's time: each wait is recorded; the ``stop_after``-th one stops it."""

    def __init__(self, handset_ref: list, stop_after: int) -> None:
        self.waits: list[float] = []
        self._ref, self._stop_after = handset_ref, stop_after

    def __call__(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if len(self.waits) >= self._stop_after:
            self._ref[0].stop_ring()
            return True
        return False


@pytest.mark.parametrize(("country", "expected"), [
    ("ES", [1.5, 3.0, 1.5, 3.0]),
    ("GB", [0.4, 0.2, 0.4, 2.0, 0.4, 0.2]),
])
def test_the_ring_waveform_follows_the_countrys_cadence_on_a_pwm_pin(country, expected):
    """F/R is a PWM output at the ring frequency (50 % duty while the bell is on, steady high
    while off) and RM is high only during bursts, in the country's on/off pattern."""
    factory = MockFactory(pin_class=MockPWMPin)
    ref: list = []
    timeline = Timeline(ref, len(expected))
    handset = Handset("desk", PINS, pin_factory=factory, cadence=cadence_for(country),
                      bounce_s=None, wait=timeline)
    ref.append(handset)
    handset.start(lambda event: None)
    try:
        assert handset.pwm
        handset.ring()
        wait_for(lambda: len(timeline.waits) == len(expected) and not handset.ringing,
                 what="the cadence to play")
        wait_for(lambda: not factory.pin(PINS.ring_mode).state, what="RM back low")
        assert timeline.waits == expected
        fr, rm = factory.pin(PINS.forward_reverse), factory.pin(PINS.ring_mode)
        assert fr.frequency == cadence_for(country).frequency_hz
        bursts = (len(expected) + 1) // 2
        levels = [s.state for s in fr.states]
        assert levels[levels.index(1.0) + 1:] == [0.5, 1.0] * bursts    # after resting high
        ring_mode = [bool(s.state) for s in rm.states]
        assert ring_mode[ring_mode.index(True):] == [True, False] * bursts
    finally:
        handset.close()
        factory.reset()
