"""Who may call the JSON API: the X-Api-Key header, or a logged-in session plus its CSRF header."""

from __future__ import annotations

import json

import pytest

STATION = {"name": "Desk 9"}


def test_no_credentials_gets_401_json(client):
    response = client.get("/api/status")
    assert response.status_code == 401
    assert "X-Api-Key" in response.get_json()["error"]


def test_unknown_api_route_is_401_without_credentials(client):
    response = client.get("/api/nope")
    assert response.status_code == 401
    assert response.is_json


@pytest.mark.parametrize("key", ["wrong", "", "test-key-012345678", "TEST-KEY-0123456789"])
def test_wrong_key_gets_401(client, key):
    response = client.get("/api/status", headers={"X-Api-Key": key})
    assert response.status_code == 401
    assert "X-Api-Key" in response.get_json()["error"]
    assert "SWITCHBOARD_API_KEY" in response.get_json()["error"]   # an installed box's key


def test_right_key_works_and_needs_no_csrf(client, keyed, store):
    assert client.get("/api/status", headers=keyed).status_code == 200
    created = client.post("/api/stations", json=STATION, headers=keyed)
    assert created.status_code == 201
    assert store.get("stations", created.get_json()["id"])["name"] == "Desk 9"


def test_wrong_key_is_refused_even_with_a_session(owner):
    response = owner.client.get("/api/status", headers={"X-Api-Key": "wrong"})
    assert response.status_code == 401


@pytest.mark.parametrize("api_key", [None, ""])
def test_without_a_configured_key_the_header_never_authenticates(make_app, api_key):
    client = make_app(api_key=api_key).test_client()
    assert client.get("/api/status", headers={"X-Api-Key": ""}).status_code == 401
    assert client.get("/api/status", headers={"X-Api-Key": "None"}).status_code == 401


def test_session_authenticates_reads(owner, engine):
    response = owner.client.get("/api/status")
    assert response.status_code == 200
    body = response.get_json()
    assert body.pop("warnings") == []              # an empty office has nothing to warn about
    assert body == json.loads(json.dumps(engine.snapshot().to_dict()))


def test_session_writes_need_the_csrf_header(owner, store):
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = owner.client.post("/api/stations", json=STATION, headers=headers)
        assert response.status_code == 403
        assert "X-CSRF-Token" in response.get_json()["error"]
    assert store.list("stations") == []
    token = owner.page_token()
    created = owner.client.post("/api/stations", json=STATION, headers={"X-CSRF-Token": token})
    assert created.status_code == 201
    rid = created.get_json()["id"]
    assert owner.client.put(f"/api/stations/{rid}", json={"name": "x"}).status_code == 403
    assert owner.client.delete(f"/api/stations/{rid}").status_code == 403
    assert store.get("stations", rid)["name"] == "Desk 9"


def test_csrf_token_from_before_login_is_refused(owner, store):
    old_token = owner.page_token()
    owner.logout()
    owner.login()
    response = owner.client.post("/api/stations", json=STATION,
                                 headers={"X-CSRF-Token": old_token})
    assert response.status_code == 403
    assert store.list("stations") == []
