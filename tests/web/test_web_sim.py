"""The simulation routes: 404 on real hardware, checked inputs, 202 once handed to the core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

SIM_METHODS = ("incoming", "dtmf", "hangup", "offhook", "onhook", "set_clock")
SIM_ROUTES = [
    ("/api/sim/lines/mobile/incoming", {"caller": "+34600111222"}),
    ("/api/sim/lines/mobile/dtmf", {"digits": "1"}),
    ("/api/sim/lines/mobile/hangup", None),
    ("/api/sim/stations/desk-1/offhook", None),
    ("/api/sim/stations/desk-1/onhook", None),
    ("/api/sim/clock", {"now": "2026-03-02T09:30:00+01:00"}),
]


@pytest.fixture
def pressed(simulation, mocker):
    """Spies on the simulated hardware; returns the buttons the routes pressed so far."""
    spies = {name: mocker.spy(simulation, name) for name in SIM_METHODS}
    return lambda: [(name, *c.args) for name, spy in spies.items() for c in spy.call_args_list]


@pytest.fixture
def sim_client(sim_browser):
    return sim_browser.client


def post(client, path, body, headers):
    if body is None:
        return client.post(path, headers=headers)
    return client.post(path, json=body, headers=headers)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("path", "body"), SIM_ROUTES)
def test_sim_routes_are_404_when_not_simulated(client, keyed, pressed, path, body):
    response = post(client, path, body or {}, keyed)
    assert response.status_code == 404
    assert "demo" in response.get_json()["error"]
    assert pressed() == []


def test_sim_routes_need_authentication(sim_client, pressed):
    response = sim_client.post("/api/sim/lines/mobile/hangup")
    assert response.status_code == 401
    assert pressed() == []


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("path", "body", "action"), [
    ("/api/sim/lines/mobile/incoming", {"caller": "+34 600-111-222"},
     ("incoming", "mobile", "+34600111222")),
    ("/api/sim/lines/mobile/dtmf", {"digits": "12*#"}, ("dtmf", "mobile", "12*#")),
    ("/api/sim/lines/mobile/hangup", None, ("hangup", "mobile")),
    ("/api/sim/stations/desk-1/offhook", None, ("offhook", "desk-1")),
    ("/api/sim/stations/desk-1/onhook", None, ("onhook", "desk-1")),
])
def test_sim_actions_reach_the_simulation(sim_client, keyed, pressed, path, body, action):
    response = post(sim_client, path, body, keyed)
    assert response.status_code == 202
    assert response.get_json() == {"ok": True}
    assert pressed() == [action]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("path", ["/api/sim/lines/ghost/hangup",
                                  "/api/sim/stations/ghost/offhook"])
def test_unknown_simulated_part_is_404(sim_client, keyed, path):
    response = sim_client.post(path, headers=keyed)
    assert response.status_code == 404
    assert "ghost" in response.get_json()["error"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/sim/lines/mobile/incoming", {}, "caller"),
    ("/api/sim/lines/mobile/incoming", {"caller": "anna"}, "caller"),
    ("/api/sim/lines/mobile/incoming", {"caller": 600111222}, "caller"),
    ("/api/sim/lines/mobile/dtmf", {}, "digits"),
    ("/api/sim/lines/mobile/dtmf", {"digits": "1A"}, "digits"),
    ("/api/sim/lines/mobile/dtmf", {"digits": ""}, "digits"),
    ("/api/sim/clock", {}, "now"),
    ("/api/sim/clock", {"now": "tomorrow"}, "now"),
    ("/api/sim/clock", {"now": 1700000000}, "now"),
])
def test_bad_sim_input_is_400_with_fields(sim_client, keyed, pressed, path, body, field):
    response = sim_client.post(path, json=body, headers=keyed)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
    assert pressed() == []


def test_sim_bodies_must_be_json(sim_client, keyed, pressed):
    response = sim_client.post("/api/sim/lines/mobile/incoming", data="caller=600",
                               headers=keyed)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Send a JSON object."
    assert pressed() == []


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-02T09:30:00+01:00",
     datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))),
    ("2026-03-02T08:30:00Z", datetime(2026, 3, 2, 8, 30, tzinfo=UTC)),
])
def test_clock_is_set_with_its_offset(sim_client, keyed, pressed, bare_office, text, expected):
    response = sim_client.post("/api/sim/clock", json={"now": text}, headers=keyed)
    assert response.status_code == 202
    [(name, when)] = pressed()
    assert name == "set_clock"
    assert when == expected
    assert when.utcoffset() == expected.utcoffset()
    bare_office.settle()
    shown = sim_client.get("/api/status", headers=keyed).get_json()["time"]
    assert datetime.fromisoformat(shown) == expected


def test_naive_clock_time_is_refused(sim_client, keyed, pressed):
    response = sim_client.post("/api/sim/clock", json={"now": "2026-03-02T09:30:00"},
                               headers=keyed)
    assert response.status_code == 400
    assert "UTC offset" in response.get_json()["fields"]["now"]
    assert pressed() == []


def test_a_call_answered_from_the_live_page(sim_browser, seeded):
    """The page's own requests (session + X-CSRF-Token) drive a whole call."""
    sim_browser.setup()
    page = {"X-CSRF-Token": sim_browser.page_token()}
    client = sim_browser.client

    def act(path, body=None):
        assert post(client, path, body, page).status_code == 202
        seeded.settle()
        return client.get("/api/status").get_json()

    status = act("/api/sim/lines/mobile/incoming", {"caller": "600 111 222"})
    [call] = status["calls"]
    assert (call["caller"], call["line"], call["team"]) == ("600111222", "mobile", "sales")
    assert [s["id"] for s in status["stations"] if s["ringing"]] == ["desk-1"]
    status = act("/api/sim/stations/desk-1/offhook")
    assert status["calls"][0]["state"] == "connected"
    assert status["agents"][0]["state"] == "talking"
    status = act("/api/sim/stations/desk-1/onhook")
    assert status["calls"] == []
    [record] = client.get("/api/calls?limit=10").get_json()
    assert (record["outcome"], record["agent"]) == ("answered", "ana")
