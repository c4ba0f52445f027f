"""Consent through the core: an SMS "sí" gives it, "baja" takes it back, and the core refuses
to call a number without consent in force (rule 4), whatever asks it to."""

from __future__ import annotations

import pytest

from appliance.errors import Conflict, NotFound
from hardware.events import SmsReceived
from tests.office import running


@pytest.fixture
def texting(tmp_path, clock):
    """A line that dials and texts, its calls to team t (no agents needed here)."""
    with running(tmp_path / "data", clock, diallers=True) as o:
        o.add("teams", id="t", name="T")
        o.add("lines", id="l1", name="SIM", entry={"team": "t"})
        yield o


def text(office, sender: str, body: str) -> None:
    office.engine.post(SmsReceived("l1", sender, body, office.clock.now().isoformat()))
    office.settle()


def asked(office, number: str) -> None:
    """The box texted ``number`` after a missed call (a "sí" answers that)."""
    office.engine.send_sms("l1", number, "We missed your call. Reply YES.", "missed_call")
    office.hw.lines["l1"].sms_sent()
    office.settle()


def test_an_sms_yes_gives_consent_and_a_stop_takes_it_back(texting):
    asked(texting, "+34600111222")
    text(texting, "+34600111222", "Sí.")
    [given] = texting.app.history.consents(number="+34600111222")
    assert (given["granted"], given["channel"], given["text"]) == (True, "sms", "Sí.")
    text(texting, "+34600111222", "BAJA")
    assert texting.app.history.consents(number="+34600111222")[0]["granted"] is False
    text(texting, "+34600111222", "¿A qué hora abren?")
    assert len(texting.app.history.consents(number="+34600111222")) == 2   # not an answer


def test_the_core_calls_no_one_without_consent(texting, caplog):
    with pytest.raises(Conflict, match="has not agreed to be called"):
        texting.engine.call_out("l1", "+34600111222")
    assert "refused to call +34600111222" in caplog.text
    asked(texting, "+34600111222")
    text(texting, "+34600111222", "si")
    texting.engine.call_out("l1", "+34600111222")
    assert texting.hw.lines["l1"].dialled == "+34600111222"
    texting.hw.lines["l1"].far_end("busy")
    with pytest.raises(NotFound, match="cannot place calls"):
        texting.engine.call_out("nope", "+34600111222")
    text(texting, "+34600111222", "stop")
    with pytest.raises(Conflict):
        texting.engine.call_out("l1", "+34600111222")


def test_the_consent_log_is_in_the_api(texting):
    from web import create_app

    asked(texting, "+34600111222")
    text(texting, "+34600111222", "Sí")
    client = create_app(texting.app.api, api_key="consent-key-123").test_client()
    answer = client.get("/api/consents?number=%2B34600111222",
                        headers={"X-Api-Key": "consent-key-123"}).get_json()
    assert [(c["number"], c["granted"], c["channel"]) for c in answer] == [
        ("+34600111222", True, "sms")]
    assert answer[0]["expires"] > answer[0]["at"]
