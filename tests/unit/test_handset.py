"""The SLIC handset driver on gpiozero MockFactory pins: hook events, ring cadence, ring trip."""

from __future__ import annotations

import queue

import pytest
from gpiozero.pins.mock import MockFactory

from appliance.events import HookChanged, StationStatus
from hardware.handset import Handset, HandsetPins, RingCadence
from tests.waiting import wait_for

PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)
FAST = RingCadence(on_s=0.1, off_s=0.05, frequency_hz=100)


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
