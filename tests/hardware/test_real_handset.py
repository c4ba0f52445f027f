"""A real desk phone on a SLIC: rung for two seconds, then lifted by a person within 20 s.

Skipped unless SWITCHBOARD_TEST_PINS names its pins as "hook,ring_mode,forward_reverse"
(BCM, e.g. "27,17,4"); SWITCHBOARD_TEST_COUNTRY picks the cadence (default ES). Run on the
Pi with the service stopped: ``SWITCHBOARD_TEST_PINS=27,17,4 ./dev test -m hardware``.
"""

from __future__ import annotations

import os
import queue

import pytest

from appliance.events import HookChanged
from hardware.handset import Handset, HandsetPins
from hardware.ringing import cadence_for

PINS = os.environ.get("SWITCHBOARD_TEST_PINS")
pytestmark = [pytest.mark.hardware,
              pytest.mark.skipif(not PINS, reason="SWITCHBOARD_TEST_PINS names no handset")]


def test_a_real_handset_rings_and_a_person_lifts_it():
    hook, ring_mode, forward_reverse = (int(p) for p in (PINS or "").split(","))
    events: queue.Queue = queue.Queue()
    handset = Handset("test", HandsetPins(hook, ring_mode, forward_reverse), pin_factory=None,
                      cadence=cadence_for(os.environ.get("SWITCHBOARD_TEST_COUNTRY", "ES")))
    handset.start(events.put)
    try:
        handset.ring()
        while not isinstance(event := events.get(timeout=20), HookChanged):
            pass
        assert event.off_hook, "nobody lifted the handset within 20 s"
        assert not handset.ringing
    finally:
        handset.close()
