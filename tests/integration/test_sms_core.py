"""Text messages between the core and a modem line: received ones logged, sent ones tracked."""

from __future__ import annotations

import pytest

from appliance.core.clock import SystemClock
from appliance.errors import NotFound
from appliance.ops.assembly import build_simulated
from hardware.fakes.modem import Dialect, FakeModem
from tests.waiting import wait_for
from web import create_app

KEY = "sms-test-key-12345"


@pytest.fixture
def office(tmp_path):
    modem = FakeModem(Dialect.EC25, link=tmp_path / "ec25-at")
    modem.start()
    appliance = build_simulated(tmp_path / "data", SystemClock(), line_devices={"l1": modem.path})
    appliance.store.create("teams", {"id": "t", "name": "T"})
    appliance.store.create("lines", {"id": "l1", "name": "SIM", "entry": {"team": "t"}})
    appliance.start()
    wait_for(lambda: appliance.engine.snapshot().lines
             and appliance.engine.snapshot().line("l1").state == "idle")
    yield appliance, modem
    appliance.close()
    modem.close()


def test_received_sms_reaches_history_and_the_api(office):
    appliance, modem = office
    modem.deliver_sms("+34600111222", "¿Me llamáis mañana? Gracias. " * 6)
    client = create_app(appliance.api, api_key=KEY).test_client()
    got = wait_for(lambda: client.get("/api/sms?limit=5", headers={"X-Api-Key": KEY}).get_json())
    assert (got[0]["direction"], got[0]["number"], got[0]["line"]) == ("in", "+34600111222", "l1")
    assert got[0]["text"] == "¿Me llamáis mañana? Gracias. " * 6


def test_the_core_sends_an_sms_through_the_line(office):
    appliance, modem = office
    appliance.engine.send_sms("l1", "+34600123456", "Le llamamos en 30 minutos.")
    modem.wait_for(lambda m: m.sent_sms == [("+34600123456", "Le llamamos en 30 minutos.")])
    sent = wait_for(lambda: appliance.history.recent_sms(1))
    assert (sent[0]["direction"], sent[0]["status"], sent[0]["text"]) == (
        "out", "sent", "Le llamamos en 30 minutos.")
    with pytest.raises(NotFound):
        appliance.engine.send_sms("nope", "+34600123456", "x")
