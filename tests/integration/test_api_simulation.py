"""The JSON API driving whole calls through the simulation endpoints, on a manual clock."""

from __future__ import annotations

import pytest

from appliance.ops.seed import seed_sample_office
from web import create_app

KEY = "integration-key-123"
SATURDAY = "2026-11-28T11:00:00+01:00"
WEDNESDAY = "2026-11-25T10:00:00+01:00"


@pytest.fixture
def api(bare_office):
    seed_sample_office(bare_office.store)
    bare_office.settle()
    client = create_app(bare_office.app.api, api_key=KEY).test_client()

    def call(method: str, path: str, body=None):
        response = client.open(path, method=method, json=body, headers={"X-Api-Key": KEY})
        bare_office.settle()
        return response

    call.office = bare_office
    return call


def test_a_whole_call_through_the_menu_and_a_desk(api):
    assert api("POST", "/api/sim/clock", {"now": WEDNESDAY}).status_code == 202
    assert api("POST", "/api/sim/lines/line-1/incoming", {"caller": "600111222"}).status_code \
        == 202
    status = api("GET", "/api/status").get_json()
    assert status["calls"][0]["state"] == "menu"
    assert status["lines"][0]["state"] == "in_call"
    api("POST", "/api/sim/lines/line-1/dtmf", {"digits": "1"})
    status = api("GET", "/api/status").get_json()
    call = status["calls"][0]
    assert (call["state"], call["team"]) == ("offered", "reception")
    ringing = [s["id"] for s in status["stations"] if s["ringing"]]
    assert len(ringing) == 1
    api("POST", f"/api/sim/stations/{ringing[0]}/offhook")
    call = api("GET", "/api/status").get_json()["calls"][0]
    assert call["state"] == "connected"
    api.office.advance(65)
    api("POST", f"/api/sim/stations/{ringing[0]}/onhook")
    history = api("GET", "/api/calls?limit=1").get_json()
    assert len(history) == 1
    assert set(history[0]) >= {"id", "line", "caller", "started", "ended", "outcome", "team",
                               "agent", "wait_s", "talk_s"}
    assert (history[0]["outcome"], history[0]["talk_s"], history[0]["team"]) == (
        "answered", 65.0, "reception")


def test_the_sim_clock_decides_opening_hours(api):
    api("POST", "/api/sim/clock", {"now": SATURDAY})
    assert api("GET", "/api/status").get_json()["time"].startswith("2026-11-28T10:00")
    api("POST", "/api/sim/lines/line-2/incoming", {"caller": "600111222"})
    assert api("GET", "/api/calls?limit=1").get_json()[0]["outcome"] == "closed"


def test_caller_hangup_through_the_api_is_abandoned(api):
    api("POST", "/api/sim/clock", {"now": WEDNESDAY})
    api("POST", "/api/sim/lines/line-2/incoming", {"caller": "600111222"})
    api("POST", "/api/sim/lines/line-2/hangup")
    assert api("GET", "/api/calls?limit=1").get_json()[0]["outcome"] == "abandoned"


def test_presence_through_the_api_changes_who_rings(api):
    api("POST", "/api/sim/clock", {"now": WEDNESDAY})
    for agent in ("ana", "bruno"):
        assert api("POST", f"/api/agents/{agent}/presence",
                   {"presence": "away"}).status_code == 200
    api("POST", "/api/sim/lines/line-2/incoming", {"caller": "600111222"})
    status = api("GET", "/api/status").get_json()
    assert [s["id"] for s in status["stations"] if s["ringing"]] == ["desk-3"]
    assert {a["id"]: a["presence"] for a in status["agents"]} == {
        "ana": "away", "bruno": "away", "carla": "available"}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/sim/lines/line-1/incoming", {}, "caller"),
    ("/api/sim/lines/line-1/dtmf", {"digits": "12x"}, "digits"),
    ("/api/sim/clock", {"now": "tomorrow"}, "now"),
])
def test_bad_simulation_input_is_a_400_with_the_field(api, path, body, field):
    response = api("POST", path, body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_unknown_simulated_device_is_a_404(api):
    assert api("POST", "/api/sim/lines/nope/incoming", {"caller": "1"}).status_code == 404
    assert api("POST", "/api/sim/stations/nope/offhook").status_code == 404


def test_status_warns_about_missing_hold_audio(api):
    warnings = api("GET", "/api/status").get_json()["warnings"]
    assert any("Team 'Reception' has no hold audio" in w for w in warnings)


def test_status_says_what_each_handset_is_and_how_its_bell_rings(api):
    stations = api("GET", "/api/status").get_json()["stations"]
    assert {s["kind"] for s in stations} == {"gpio"}
    assert stations[0]["cadence"] == {"pairs_s": [[1.5, 3.0]], "on_s": 1.5, "off_s": 3.0,
                                      "frequency_hz": 25.0}
