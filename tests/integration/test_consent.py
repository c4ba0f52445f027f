"""Consent through the core: an SMS "sí" gives it, "baja" takes it back, and the core refuses
to call a number without consent in force (rule 4), whatever asks it to."""

from __future__ import annotations

import pytest

from appliance.errors import Conflict, NotFound
from hardware.events import SmsReceived


def text(office, sender: str, body: str) -> None:
    office.engine.post(SmsReceived("l1", sender, body, office.clock.now().isoformat()))
    office.settle()


def test_an_sms_yes_gives_consent_and_a_stop_takes_it_back(office):
    text(office, "+34600111222", "Sí.")
    [given] = office.app.history.consents(number="+34600111222")
    assert (given["granted"], given["channel"], given["text"]) == (True, "sms", "Sí.")
    text(office, "+34600111222", "BAJA")
    assert office.app.history.consents(number="+34600111222")[0]["granted"] is False
    text(office, "+34600111222", "¿A qué hora abren?")
    assert len(office.app.history.consents(number="+34600111222")) == 2   # not an answer


def test_the_core_calls_no_one_without_consent(office, caplog):
    with pytest.raises(Conflict, match="has not agreed to be called"):
        office.engine.call_out("l1", "+34600111222")
    assert "refused to call +34600111222" in caplog.text
    text(office, "+34600111222", "si")
    with pytest.raises(NotFound, match="cannot place calls"):      # past consent: this test
        office.engine.call_out("l1", "+34600111222")              # line has no dialler
    text(office, "+34600111222", "stop")
    with pytest.raises(Conflict):
        office.engine.call_out("l1", "+34600111222")


def test_the_consent_log_is_in_the_api(office):
    from web import create_app

    text(office, "+34600111222", "Sí")
    client = create_app(office.app.api, api_key="consent-key-123").test_client()
    answer = client.get("/api/consents?number=%2B34600111222",
                        headers={"X-Api-Key": "consent-key-123"}).get_json()
    assert [(c["number"], c["granted"], c["channel"]) for c in answer] == [
        ("+34600111222", True, "sms")]
    assert answer[0]["expires"] > answer[0]["at"]


def test_a_text_through_a_simulated_modem_is_a_real_pdu_and_gives_consent(tmp_path):
    """The contract's /api/sim/lines/<id>/sms: +CMTI, AT+CMGR and the PDU through the driver."""
    from appliance.core.clock import SystemClock
    from appliance.ops.assembly import build_simulated
    from tests.waiting import wait_for
    from web import create_app

    appliance = build_simulated(tmp_path / "data", SystemClock(), modems=True)
    appliance.start()
    try:
        appliance.store.create("teams", {"id": "t", "name": "T"})
        appliance.store.create("lines", {"id": "l1", "name": "SIM", "entry": {"team": "t"}})
        wait_for(lambda: [ln["state"] for ln in appliance.api.status()["lines"]] == ["idle"],
                 what="the modem to come up")
        client = create_app(appliance.api, api_key="consent-key-123").test_client()
        headers = {"X-Api-Key": "consent-key-123"}
        sent = client.post("/api/sim/lines/l1/sms", headers=headers,
                           json={"sender": "+34600111222", "text": "¡Sí!"})
        assert sent.status_code == 202
        consent = wait_for(lambda: appliance.history.consents(number="+34600111222"),
                           what="the consent recorded")
        assert consent[0]["text"] == "¡Sí!"
        assert client.get("/api/sms", headers=headers).get_json()[0]["text"] == "¡Sí!"
        bad = client.post("/api/sim/lines/l1/sms", headers=headers,
                          json={"sender": "nobody", "text": "hi"})
        assert bad.status_code == 400
    finally:
        appliance.close()
