"""The real modem driver over real pyserial against the pty fake modem, in every dialect."""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime

import pytest

from appliance import events as ev
from hardware.fakes.modem import Dialect, FakeModem, Quirks
from hardware.modem.gsm import GsmModem, ModemSettings
from hardware.modem.setup import PinGuard
from hardware.sentences import Text

from .modem_rig import ALL, FAST


@pytest.mark.parametrize("dialect", ALL)
def test_incoming_call_answer_and_caller_hangs_up(rig, dialect):
    r = rig(dialect)
    r.online()
    assert r.incoming("+34600123456").caller == "+34600123456"
    r.driver.answer()
    r.expect(ev.LineAnswered)
    r.fake.wait_for(lambda f: f.call_state == "active")
    r.fake.caller_hangs_up()
    r.expect(ev.CallerHungUp)
    assert r.fake.sent("ATA")


@pytest.mark.parametrize("dialect", ALL)
def test_we_hang_up_and_the_modem_is_told(rig, dialect):
    r = rig(dialect)
    r.online()
    r.connected()
    r.driver.hangup()
    r.fake.wait_for(lambda f: f.call_state == "idle")
    assert any(c in ("AT+CHUP", "ATH") for c in r.fake.commands)


@pytest.mark.parametrize("dialect", ALL)
def test_caller_gives_up_before_answer(rig, dialect):
    r = rig(dialect)
    r.online()
    r.incoming()
    r.fake.caller_hangs_up()        # each dialect's own signal (generic: RING just stops)
    r.expect(ev.CallerHungUp, timeout=5)


@pytest.mark.parametrize(("kwargs", "caller"), [
    ({"clip_before_ring": True}, "+34600123456"),
    ({"with_clip": False}, "+34600123456"),        # number from AT+CLCC instead
])
def test_caller_id_in_any_order_or_missing(rig, kwargs, caller):
    r = rig(Dialect.SIM800)
    r.online()
    assert r.incoming("+34600123456", **kwargs).caller == caller


def test_withheld_number(rig):
    r = rig(Dialect.EC25)
    r.online()
    assert r.incoming(None).caller is None


@pytest.mark.parametrize("dialect", ALL)   # Huawei too: ^DDTMF
def test_keys_the_caller_presses(rig, dialect):
    r = rig(dialect)
    r.online()
    r.connected()
    r.fake.press("1*0#")
    digits = [r.expect(ev.DtmfReceived).digit for _ in range(4)]
    assert digits == ["1", "*", "0", "#"]


def test_sending_dtmf(rig):
    r = rig(Dialect.EC25)
    r.online()
    r.connected()
    r.driver.send_dtmf("42")
    r.fake.wait_for(lambda f: f.received_dtmf == ["4", "2"])


@pytest.mark.parametrize("dialect", [Dialect.SIM7600, Dialect.EC25, Dialect.GENERIC])
def test_second_caller_is_reported_then_refused(rig, dialect):
    r = rig(dialect)
    r.online()
    r.connected()
    r.fake.second_call("+34600999888")
    assert r.expect(ev.IncomingCall).caller == "+34600999888"
    r.driver.reject_waiting()
    r.fake.wait_for(lambda f: f.waiting_calls_rejected == 1)
    assert r.fake.call_state == "active"


@pytest.mark.parametrize(("outcome", "expected"), [
    ("answer", "answered"), ("busy", "busy"), ("no_answer", "no_answer"),
    ("no_carrier", "failed"), ("no_network", "no_network"),
])
@pytest.mark.parametrize("dialect", [Dialect.SIM7600, Dialect.EC25, Dialect.HUAWEI])
def test_outgoing_call_outcomes(rig, dialect, outcome, expected):
    r = rig(dialect)
    r.online()
    r.fake.next_dial = outcome
    r.driver.dial("+34600123456")
    assert r.expect(ev.DialResult).outcome == expected
    assert r.fake.sent("ATD+34600123456;")


def test_outgoing_call_answered_then_remote_hangs_up(rig):
    r = rig(Dialect.SIM7600)
    r.online()
    r.driver.dial("600123456")
    r.expect(ev.DialResult, outcome="answered")
    r.fake.remote_hangs_up()
    r.expect(ev.CallerHungUp)


SPANISH = "¿Dónde está la señora Núñez? ¡Mañana a las 9:00, por favor! "


@pytest.mark.parametrize("dialect", ALL)
def test_sms_both_ways_with_accents_and_a_long_text(rig, dialect):
    r = rig(dialect)
    r.online()
    r.fake.deliver_sms("+34600111222", SPANISH * 4)            # four UCS-2 parts
    got = r.expect(ev.SmsReceived)
    assert (got.sender, got.text) == ("+34600111222", SPANISH * 4)
    r.fake.wait_for(lambda f: f.stored_sms == {})               # read, then deleted
    r.driver.send_sms("+34600123456", "Le llamamos en 30 minutos desde este número. " * 5)
    r.expect(ev.SmsSent, ok=True, timeout=10)
    assert r.fake.sent_sms == [("+34600123456",
                                "Le llamamos en 30 minutos desde este número. " * 5)]


def test_sms_delivered_directly_and_swept_at_start(tmp_path):
    fake = FakeModem(Dialect.EC25, link=tmp_path / "gsm-at")
    fake.preload_sms("+34611000000", "Mensaje guardado mientras estaba apagado")
    fake.start()
    events: queue.SimpleQueue = queue.SimpleQueue()
    driver = GsmModem("l1", ModemSettings(fake.path, **FAST))
    driver.start(events.put)
    try:
        deadline = time.monotonic() + 5
        texts, delivered = [], False
        while time.monotonic() < deadline and len(texts) < 2:
            event = events.get(timeout=5)
            if isinstance(event, ev.LineStatus) and event.online and not delivered:
                delivered = True
                fake.deliver_sms("+34622000000", "directo", store=False)
            if isinstance(event, ev.SmsReceived):
                texts.append(event.text)
        assert texts == ["Mensaje guardado mientras estaba apagado", "directo"]
        fake.wait_for(lambda f: f.stored_sms == {})
    finally:
        driver.close()
        fake.close()


@pytest.mark.parametrize("dialect", ALL)
def test_reboot_mid_call_ends_the_call_and_the_line_comes_back(rig, dialect):
    r = rig(dialect)
    r.online()
    r.connected()
    r.fake.reboot(silent_s=0.3)
    down = r.expect(ev.LineStatus, online=False)
    assert down.error
    r.online()
    assert r.fake.sent("ATE0")
    assert r.incoming().caller == "+34600123456"     # takes calls again by itself


def test_unplug_mid_call_and_replug(rig):
    r = rig(Dialect.EC25)
    r.online()
    r.connected()
    r.fake.unplug()
    down = r.expect(ev.LineStatus, online=False)
    assert "disconnected" in down.reason
    r.fake.replug()
    r.online()
    assert r.incoming().caller == "+34600123456"


def test_garbage_on_the_line_is_survived(rig):
    r = rig(Dialect.SIM7600, quirks=Quirks(garbage=True))
    r.online()
    r.fake.inject(b"\x00\x00\xff\xfe garbage \r\r\n\nNO CARRIER\r\n")
    r.connected()
    r.fake.caller_hangs_up()
    r.expect(ev.CallerHungUp)


def test_wedged_modem_is_reported_and_recovered(rig):
    r = rig(Dialect.HUAWEI)
    r.online()
    r.fake.wedge(True)
    down = r.expect(ev.LineStatus, online=False, timeout=10)
    assert down.error
    r.fake.wedge(False)
    r.online()


def test_right_sim_pin_unlocks(rig):
    r = rig(Dialect.SIM7600, pin="1234", sim_pin="1234")
    r.online()
    assert r.fake.sent('AT+CPIN="1234"')


def test_wrong_sim_pin_is_never_retried(rig, tmp_path):
    r = rig(Dialect.SIM7600, pin="0000", sim_pin="1234")
    problem = r.expect(ev.LineStatus, online=False)
    assert "Wrong SIM PIN" in problem.reason
    assert isinstance(problem.reason, Text), "the page says it in the owner's language"
    r.expect(ev.LineStatus, online=False, timeout=3)     # it tries to reconnect...
    assert r.fake.commands.count('AT+CPIN="0000"') == 1  # ...but never sends the PIN again
    assert r.guard.refused("l1", "0000")
    assert PinGuard(tmp_path / "refused-pins").refused("l1", "0000")   # survives a restart


def test_no_sim(rig):
    r = rig(Dialect.EC25, sim_pin="NOSIM")
    assert "No SIM card" in r.expect(ev.LineStatus, online=False).reason


def test_no_network_then_registered(rig):
    r = rig(Dialect.SIM7600)
    r.online()
    r.fake.set_registration(2)
    down = r.expect(ev.LineStatus, online=False)
    assert ("Not registered" in down.reason, down.error) == (True, False)
    r.fake.set_registration(1)
    r.online()


def test_modem_facts_are_reported(rig):
    r = rig(Dialect.EC25)
    info = r.expect(ev.LineInfo).info
    assert info | {"signal_dbm": None} == {
        "dialect": "quectel_ec25", "manufacturer": "Quectel", "model": "EC25",
        "firmware": info["firmware"], "imei": "862000000000001", "iccid": "8934071100000000001",
        "sim": "READY", "operator": "movistar", "registration": "registered (home)",
        "signal_dbm": None}
    assert info["signal_dbm"] == -73
    assert isinstance(info["registration"], Text), "the page says it in the owner's language"


def test_the_network_time_is_reported(rig):
    r = rig(Dialect.SIM7600)
    reported = r.expect(ev.NetworkTime).when
    assert abs((reported - datetime.now(UTC)).total_seconds()) < 5


def test_a_missing_port_says_to_plug_the_modem_in(tmp_path):
    events: queue.SimpleQueue = queue.SimpleQueue()
    driver = GsmModem("l1", ModemSettings(str(tmp_path / "usb-nothing-if02"), **FAST))
    driver.start(events.put)
    try:
        status = events.get(timeout=5)
        assert (type(status), status.online) == (ev.LineStatus, False)
        assert "does not exist: is the modem plugged in" in status.reason
    finally:
        driver.close()


def test_a_call_left_up_by_a_wedge_is_hung_up_after_reconnecting(rig):
    r = rig(Dialect.SIM7600)
    r.online()
    r.connected()
    r.fake.wedge(True)
    r.expect(ev.LineStatus, online=False, timeout=10)
    r.fake.wedge(False)
    r.online()
    r.fake.wait_for(lambda f: f.call_state == "idle")   # the box hung the silent call up


def test_closing_does_not_sit_out_the_reconnect_back_off(rig):
    """The worker waited its back-off (0.5 s by default) after the last job before noticing
    it was asked to stop: 32 lines took 16 s to stop one after another."""
    r = rig(Dialect.SIM7600, backoff_s=(30.0,))
    r.online()
    r.driver.close()
    assert not any(t.name == "modem-l1" for t in threading.enumerate())
