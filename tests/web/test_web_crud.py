"""CRUD on the six configuration collections, through HTTP, against the real ConfigStore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from appliance.config.resources import KINDS


@dataclass(frozen=True)
class Case:
    new: dict[str, Any]       # a valid document (refers to the ``seeded`` office)
    change: dict[str, Any]    # a valid partial update
    bad: dict[str, Any]       # an invalid document
    bad_field: str            # the field the error is reported on


CASES = {
    "stations": Case({"name": "Reception"}, {"name": "Front desk"}, {"name": ""}, "name"),
    "agents": Case({"name": "Bea", "station": "desk-2"}, {"presence": "away"},
                   {"name": "Bea", "station": "desk-1"}, "station"),  # Ana sits at desk-1
    "teams": Case({"name": "Support", "members": ["ana"], "strategy": "linear"},
                  {"max_queue": 3}, {"name": "Support", "ring_timeout_s": 1}, "ring_timeout_s"),
    "lines": Case({"name": "Mobile", "number": "+34600111222", "entry": {"team": "sales"}},
                  {"schedule": "office"}, {"name": "Mobile", "entry": {"team": "ghost"}},
                  "entry"),
    "schedules": Case({"name": "Summer", "timezone": "Europe/Madrid",
                       "weekly": {day: [["08:00", "15:00"]] if day == "fri" else []
                                  for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
                      {"closed_dates": ["2026-12-24"]},
                      {"name": "Summer", "timezone": "Mars/Olympus"}, "timezone"),
    "menus": Case({"name": "Main", "prompt": {"text": "Press 1 for sales."},
                   "options": {"1": {"team": "sales"}}},
                  {"timeout_s": 8},
                  {"name": "Main", "prompt": {"text": "Hi"}, "options": {"0": {"team": "sales"}}},
                  "options.0"),
}


def test_every_kind_has_a_case():
    assert set(CASES) == set(KINDS)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", KINDS)
def test_create_get_list_update_delete(client, keyed, kind):
    case = CASES[kind]
    created = client.post(f"/api/{kind}", json=case.new, headers=keyed)
    assert created.status_code == 201
    doc = created.get_json()
    rid = doc["id"]
    assert created.headers["Location"] == f"/api/{kind}/{rid}"
    assert all(doc[key] == value for key, value in case.new.items())

    assert client.get(f"/api/{kind}/{rid}", headers=keyed).get_json() == doc
    assert doc in client.get(f"/api/{kind}", headers=keyed).get_json()

    patched = client.patch(f"/api/{kind}/{rid}", json=case.change, headers=keyed)
    assert patched.status_code == 200
    assert patched.get_json() == doc | case.change
    assert client.get(f"/api/{kind}/{rid}", headers=keyed).get_json() == doc | case.change

    replaced = client.put(f"/api/{kind}/{rid}", json=doc, headers=keyed)
    assert replaced.status_code == 200
    assert client.get(f"/api/{kind}/{rid}", headers=keyed).get_json() == doc

    deleted = client.delete(f"/api/{kind}/{rid}", headers=keyed)
    assert deleted.status_code == 204
    assert deleted.data == b""
    assert client.get(f"/api/{kind}/{rid}", headers=keyed).status_code == 404


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_is_400_with_fields_and_stores_nothing(client, keyed, store, kind):
    case = CASES[kind]
    before = store.list(kind)
    response = client.post(f"/api/{kind}", json=case.bad, headers=keyed)
    assert response.status_code == 400
    body = response.get_json()
    assert case.bad_field in body["fields"]
    assert body["error"]
    assert store.list(kind) == before

    rid = client.post(f"/api/{kind}", json=case.new, headers=keyed).get_json()["id"]
    stored = store.get(kind, rid)
    response = client.put(f"/api/{kind}/{rid}", json=case.bad, headers=keyed)
    assert response.status_code == 400
    assert case.bad_field in response.get_json()["fields"]
    assert store.get(kind, rid) == stored


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_id_is_404(client, keyed, kind, method):
    response = getattr(client, method)(f"/api/{kind}/ghost", json={"name": "x"}, headers=keyed)
    assert response.status_code == 404
    assert "ghost" in response.get_json()["error"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("kind", "rid", "user"), [
    ("stations", "desk-1", "agent 'Ana'"),
    ("agents", "ana", "team 'Sales'"),
    ("teams", "sales", "line 'Mobile'"),
])
def test_deleting_something_in_use_is_409_and_keeps_it(client, keyed, store, kind, rid, user):
    response = client.delete(f"/api/{kind}/{rid}", headers=keyed)
    assert response.status_code == 409
    assert user in response.get_json()["error"]
    assert store.get(kind, rid)["id"] == rid


@pytest.mark.usefixtures("seeded")
def test_creating_an_existing_id_is_409(client, keyed, store):
    response = client.post("/api/stations", json={"id": "desk-1", "name": "Other"},
                           headers=keyed)
    assert response.status_code == 409
    assert store.get("stations", "desk-1")["name"] == "Desk 1"


@pytest.mark.parametrize("kind", KINDS)
def test_list_starts_empty(client, keyed, kind):
    response = client.get(f"/api/{kind}", headers=keyed)
    assert response.status_code == 200
    assert response.get_json() == []


SEND_JSON_OBJECT = {"error": "Send a JSON object.", "fields": {}}


@pytest.mark.parametrize("send", [
    {"data": "{not json", "content_type": "application/json"},
    {"data": "name=Desk", "content_type": "application/x-www-form-urlencoded"},
    {"data": '{"name": "Desk"}', "content_type": "text/plain"},
    {"json": ["name", "Desk"]},
    {},
])
def test_body_must_be_a_json_object(client, keyed, store, send):
    store.create("stations", {"id": "desk-1", "name": "Desk 1"})
    created = client.post("/api/stations", headers=keyed, **send)
    assert created.status_code == 400
    assert created.get_json() == SEND_JSON_OBJECT
    updated = client.put("/api/stations/desk-1", headers=keyed, **send)
    assert updated.status_code == 400
    assert updated.get_json() == SEND_JSON_OBJECT
    assert store.list("stations") == [{"id": "desk-1", "name": "Desk 1"}]
