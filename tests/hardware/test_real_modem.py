"""The modem driver's checks against a real modem, run only when one is named.

    SWITCHBOARD_TEST_MODEM=/dev/serial/by-id/usb-SimTech...-if02-port0 ./dev test -m hardware
Optional: SWITCHBOARD_TEST_PIN (the SIM's PIN), SWITCHBOARD_TEST_SMS_TO (a phone number that
receives a test SMS), SWITCHBOARD_TEST_RING=1 (the test waits 60 s for you to call the SIM,
press 1, then hang up).
"""

from __future__ import annotations

import os
import queue
import time

import pytest

from appliance import events as ev
from hardware.modem.gsm import GsmModem, ModemSettings
from hardware.modem.probe import probe

DEVICE = os.environ.get("SWITCHBOARD_TEST_MODEM")
pytestmark = [pytest.mark.hardware,
              pytest.mark.skipif(not DEVICE, reason="SWITCHBOARD_TEST_MODEM names no modem")]


def next_event(events: queue.SimpleQueue, kind: type, timeout: float):
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            break
        if isinstance(event, kind):
            return event
    pytest.fail(f"no {kind.__name__} from the modem within {timeout} s")


@pytest.fixture
def modem():
    events: queue.SimpleQueue = queue.SimpleQueue()
    driver = GsmModem("test", ModemSettings(DEVICE, pin=os.environ.get("SWITCHBOARD_TEST_PIN")))
    driver.start(events.put)
    yield driver, events
    driver.close()


def test_probe_reads_identity_sim_and_network():
    result = probe(DEVICE)
    assert result.info is not None, result.problems
    assert result.info.imei.isdigit()
    assert result.info.sim == "READY", result.problems


def test_driver_brings_the_line_up(modem):
    driver, events = modem
    status = next_event(events, ev.LineStatus, 60)
    assert status.online, status.reason
    assert driver.info.registered


@pytest.mark.skipif(not os.environ.get("SWITCHBOARD_TEST_SMS_TO"), reason="no SMS recipient")
def test_send_an_sms_with_accents(modem):
    driver, events = modem
    assert next_event(events, ev.LineStatus, 60).online
    driver.send_sms(os.environ["SWITCHBOARD_TEST_SMS_TO"], "Prueba de Switchboard: ñ, á, ¿sí?")
    assert next_event(events, ev.SmsSent, 90).ok


@pytest.mark.skipif(os.environ.get("SWITCHBOARD_TEST_RING") != "1", reason="no one will call")
def test_a_person_calls_presses_1_and_hangs_up(modem):
    driver, events = modem
    assert next_event(events, ev.LineStatus, 60).online
    print("\nCall the SIM now, press 1 after it answers, then hang up.")
    next_event(events, ev.IncomingCall, 60)
    driver.answer()
    next_event(events, ev.LineAnswered, 15)
    assert next_event(events, ev.DtmfReceived, 30).digit == "1"
    next_event(events, ev.CallerHungUp, 60)
