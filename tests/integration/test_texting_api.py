"""The JSON contract of callbacks, conversations and the text settings: shapes, field errors,
404 and 409, and a PATCH that changes one template keeps the others."""

from __future__ import annotations

import pytest

from hardware.events import SmsReceived
from tests.office import running
from web import create_app

KEY = "texting-api-key-123"
HEADERS = {"X-Api-Key": KEY}
X = "+34600111222"


@pytest.fixture
def api(tmp_path, clock):
    with running(tmp_path / "data", clock, diallers=True) as o:
        o.add("stations", id="s1", name="Desk")
        o.add("agents", id="a1", name="Ana", station="s1", presence="away")
        o.add("teams", id="t", name="T", members=["a1"], channels=["voice", "sms"])
        o.add("lines", id="l1", name="SIM", entry={"team": "t"})
        client = create_app(o.app.api, api_key=KEY).test_client()
        yield o, client


def test_callbacks_listed_and_cancelled(api):
    o, client = api
    o.call("l1", X)
    o.press("l1", "1")
    [cb] = client.get("/api/callbacks", headers=HEADERS).get_json()
    assert set(cb) >= {"id", "number", "state", "team", "attempts", "consent"}
    assert (cb["number"], cb["state"], cb["team"], cb["attempts"]) == (X, "waiting", "t", 0)
    assert (cb["consent"]["channel"], cb["consent"]["text"]) == ("dtmf", "1")
    assert client.delete(f"/api/callbacks/{cb['id']}", headers=HEADERS).status_code == 204
    again = client.delete(f"/api/callbacks/{cb['id']}", headers=HEADERS)
    assert again.status_code == 409
    assert "already over" in again.get_json()["error"]
    assert client.delete("/api/callbacks/nope", headers=HEADERS).status_code == 404


def test_conversations_replied_closed_and_refused_when_closed(api):
    o, client = api
    o.engine.post(SmsReceived("l1", X, "¿Abren mañana?", o.clock.now().isoformat()))
    o.settle()
    [conv] = client.get("/api/conversations?open=1", headers=HEADERS).get_json()
    assert (conv["number"], conv["team"], conv["state"]) == (X, "t", "open")
    assert [m["text"] for m in conv["messages"]] == ["¿Abren mañana?"]
    url = f"/api/conversations/{conv['id']}"
    bad = client.post(url + "/reply", headers=HEADERS, json={"text": ""})
    assert bad.status_code == 400
    assert "text" in bad.get_json()["fields"]
    assert client.post(url + "/reply", headers=HEADERS, json={"text": "Sí"}).status_code == 202
    assert o.hw.lines["l1"].outbox == [(X, "Sí")]
    assert client.post(url + "/close", headers=HEADERS).status_code == 204
    assert client.get(url, headers=HEADERS).get_json()["state"] == "closed"
    assert client.post(url + "/reply", headers=HEADERS, json={"text": "x"}).status_code == 409
    assert client.post("/api/conversations/nope/reply", headers=HEADERS,
                       json={"text": "x"}).status_code == 404


def test_the_text_settings_patch_keeps_what_it_does_not_name(api):
    _, client = api
    first = client.patch("/api/messaging", headers=HEADERS, json={
        "owner_mobile": "+34699000000",
        "templates": {"en": {"callback": "Back to you {when}."}}})
    assert first.status_code == 200
    second = client.patch("/api/messaging", headers=HEADERS, json={
        "templates": {"es": {"callback": "Le llamamos {when}."}}})
    doc = second.get_json()
    assert doc["owner_mobile"] == "+34699000000"
    assert doc["templates"]["en"]["callback"] == "Back to you {when}."
    assert doc["templates"]["es"]["callback"] == "Le llamamos {when}."
    assert doc["lengths"]["es"]["callback"]["encoding"] == "GSM-7"
    bad = client.patch("/api/messaging", headers=HEADERS, json={
        "owner_mobile": "later", "templates": {"es": {"missed_call": "{nombre}"}}})
    assert bad.status_code == 400
    assert set(bad.get_json()["fields"]) == {"owner_mobile", "templates.es.missed_call"}
    assert client.get("/api/messaging", headers=HEADERS).get_json()["owner_mobile"] == \
        "+34699000000"                                          # nothing half-stored


def test_the_length_of_a_text_and_of_a_template_as_it_goes_out(api):
    _, client = api
    plain = client.post("/api/messaging/length", headers=HEADERS, json={"text": "Año"})
    assert plain.get_json() == {"encoding": "GSM-7", "characters": 3, "parts": 1}
    filled = client.post("/api/messaging/length", headers=HEADERS,
                         json={"text": "Le llamamos {when}.", "template": "callback",
                               "language": "es"}).get_json()
    assert filled["characters"] == len("Le llamamos en unos 10 minutos.")
    too_long = client.post("/api/messaging/length", headers=HEADERS, json={"text": "x" * 1601})
    assert too_long.status_code == 400
