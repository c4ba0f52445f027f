"""Live status, call history, presence and the JSON error replies of the API."""

from __future__ import annotations

import json

import pytest

from appliance.errors import Unavailable
from appliance.records import listing


def test_status_is_the_core_snapshot_in_the_contract_shape(client, keyed, seeded):
    response = client.get("/api/status", headers=keyed)
    assert response.status_code == 200
    status = response.get_json()
    assert status == json.loads(json.dumps(seeded.engine.snapshot().to_dict())) | {
        "warnings": seeded.app.api.warnings()}
    assert response.headers["Cache-Control"] == "no-store"
    assert {"id", "name", "kind", "state", "call_id"} <= set(status["lines"][0])
    assert {"id", "name", "hook", "ringing", "call_id"} <= set(status["stations"][0])
    assert {"id", "name", "presence", "state", "station"} <= set(status["agents"][0])
    assert status["calls"] == []


def test_calls_default_to_50(client, keyed, history, mocker):
    find = mocker.spy(listing, "find")
    response = client.get("/api/calls", headers=keyed)
    assert response.status_code == 200
    assert response.get_json() == []
    assert find.call_args.args[2:] == (50, 0)


def test_calls_are_the_finished_calls_with_the_limit(client, keyed, seeded):
    for caller in ("600000001", "600000002"):
        seeded.call("mobile", caller)
        seeded.caller_hangs_up("mobile")
    response = client.get("/api/calls?limit=1", headers=keyed)
    [record] = response.get_json()
    assert (record["caller"], record["line"], record["outcome"]) == (
        "600000002", "mobile", "abandoned")


@pytest.mark.parametrize("limit", ["ten", "1.5", ""])
def test_calls_limit_must_be_a_whole_number(client, keyed, history, limit, mocker):
    recent = mocker.spy(history, "recent")
    response = client.get(f"/api/calls?limit={limit}", headers=keyed)
    assert response.status_code == 400
    assert "limit" in response.get_json()["fields"]
    recent.assert_not_called()


@pytest.mark.parametrize("listing", ["calls", "sms", "consents", "callbacks", "conversations"])
@pytest.mark.parametrize("limit", ["0", "1001", "-1"])
def test_every_listing_s_limit_out_of_range_is_400(client, keyed, listing, limit):
    response = client.get(f"/api/{listing}?limit={limit}", headers=keyed)
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"limit": "Must be between 1 and 1000."}


@pytest.mark.usefixtures("seeded")
def test_presence_is_set(client, keyed, store):
    response = client.post("/api/agents/ana/presence", json={"presence": "away"},
                           headers=keyed)
    assert response.status_code == 200
    assert response.get_json()["presence"] == "away"
    assert store.get("agents", "ana")["presence"] == "away"


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("body", [{"presence": "asleep"}, {}, {"presence": None}])
def test_bad_presence_is_400(client, keyed, store, body):
    response = client.post("/api/agents/ana/presence", json=body, headers=keyed)
    assert response.status_code == 400
    assert "presence" in response.get_json()["fields"]
    assert store.get("agents", "ana")["presence"] == "available"


def test_presence_of_unknown_agent_is_404(client, keyed):
    response = client.post("/api/agents/ghost/presence", json={"presence": "away"},
                           headers=keyed)
    assert response.status_code == 404
    assert response.get_json()["fields"] == {}


def test_presence_needs_a_json_body(client, keyed):
    response = client.post("/api/agents/ana/presence", data="away", headers=keyed)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Send a JSON object."


@pytest.mark.parametrize("path", ["/api/nope", "/api/teams/x/y", "/api/", "/api"])
def test_unknown_api_route_is_json_404(client, keyed, path):
    response = client.get(path, headers=keyed)
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["fields"] == {}


def test_wrong_method_is_json_405(client, keyed):
    response = client.delete("/api/status", headers=keyed)
    assert response.status_code == 405
    assert "DELETE" in response.get_json()["error"]
    assert "GET" in response.headers["Allow"]


def test_appliance_errors_keep_their_status(client, keyed, engine, mocker):
    mocker.patch.object(engine, "snapshot", side_effect=Unavailable("The core is busy."))
    response = client.get("/api/status", headers=keyed)
    assert response.status_code == 503
    assert response.get_json() == {"error": "The core is busy.", "fields": {}}


def test_unexpected_errors_do_not_leak_tracebacks(client, keyed, engine, mocker):
    mocker.patch.object(engine, "snapshot", side_effect=RuntimeError("secret internals"))
    response = client.get("/api/status", headers=keyed)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text
    assert "Traceback" not in text
    assert "system log" in response.get_json()["error"]
