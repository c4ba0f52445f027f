"""POST /api/simulate on the real appliance: the sample office, the draft, the live presence."""

from __future__ import annotations

from typing import Any

import pytest

from appliance.ops.seed import seed_sample_office
from tests.office import Office

TUESDAY_10 = "2026-03-31T10:00:00+02:00"
SATURDAY_10 = "2026-03-28T10:00:00+01:00"
OPEN_SATURDAYS = {"weekly": {"sat": [["09:00", "14:00"]]}}   # a merge patch: adds Saturday


@pytest.fixture
def sample(bare_office: Office) -> Office:
    """The office ``switchboard demo`` starts with (a menu on line-1, Reception of three)."""
    seed_sample_office(bare_office.store)
    bare_office.settle()
    return bare_office


def simulate(client: Any, headers: dict[str, str], query: str = "", **body: Any) -> Any:
    return client.post(f"/api/simulate{query}", json=body, headers=headers)


@pytest.mark.usefixtures("sample")
def test_a_weekday_call_pressing_1_rings_reception(client, keyed):
    response = simulate(client, keyed, line="line-1", at=TUESDAY_10, digits="1")
    assert response.status_code == 200
    found = response.get_json()
    assert (found["outcome"], found["team"], found["agents_rung"], found["config"]) == (
        "answered", "reception", ["ana", "bruno", "carla"], "live")
    assert [s["kind"] for s in found["steps"]] == [
        "line", "schedule", "menu", "key", "team", "hold", "ring", "ring", "ring", "overflow",
        "message", "end"]
    assert found["steps"][3] == {"kind": "key", "text": 'Key 1 on menu "Main menu".',
                                 "menu": "main", "digit": "1"}


@pytest.mark.usefixtures("sample")
def test_saturday_is_closed_and_no_call_is_placed(client, keyed, sample):
    response = simulate(client, keyed, line="line-1", at=SATURDAY_10, digits="2")
    found = response.get_json()
    assert (found["outcome"], found["config"]) == ("closed", "live")
    assert "team" not in found
    assert "agents_rung" not in found
    assert [s["kind"] for s in found["steps"]] == [
        "line", "schedule", "closed_action", "message", "unused", "end"]
    status = client.get("/api/status", headers=keyed).get_json()
    assert status["calls"] == []
    assert not {line["state"] for line in status["lines"]} & {"ringing", "in_call"}
    assert client.get("/api/calls", headers=keyed).get_json() == []
    assert sample.ringing() == set()


@pytest.mark.usefixtures("sample")
def test_digits_default_to_none_and_a_naive_time_is_read_in_the_line_zone(client, keyed):
    found = simulate(client, keyed, line="line-1", at="2026-03-31T09:30:00").get_json()
    schedule = found["steps"][1]
    assert (schedule["open"], schedule["time"]) == (True, "2026-03-31T09:30:00+02:00")
    assert found["steps"][3]["kind"] == "timeout"


def test_the_live_presence_decides_who_rings(client, keyed, sample):
    client.post("/api/draft/teams", json={"id": "spare", "name": "Spare"}, headers=keyed)
    reply = client.post("/api/agents/ana/presence", json={"presence": "away"}, headers=keyed)
    assert reply.status_code == 200
    sample.settle()                            # the core has taken the change
    found = simulate(client, keyed, line="line-2", at=TUESDAY_10).get_json()
    draft_ana = client.get("/api/draft/agents/ana", headers=keyed).get_json()
    assert (found["config"], draft_ana["presence"]) == ("draft", "available")
    assert found["agents_rung"] == ["bruno", "carla"]
    assert found["steps"][4]["text"] == "Ana (Front desk) is not rung: away."


@pytest.mark.usefixtures("sample")
def test_the_draft_is_simulated_unless_live_is_asked_for(client, keyed):
    assert simulate(client, keyed, line="line-1", at=SATURDAY_10,
                    config="draft").get_json()["config"] == "live"   # no draft yet: live
    assert client.get("/api/versions", headers=keyed).get_json()["draft"] is False
    patched = client.patch("/api/draft/schedules/office-hours", json=OPEN_SATURDAYS,
                           headers=keyed)
    assert patched.status_code == 200
    for config in (None, "draft"):
        found = simulate(client, keyed, line="line-1", at=SATURDAY_10, digits="1",
                         **({"config": config} if config else {})).get_json()
        assert (found["config"], found["outcome"], found["team"]) == (
            "draft", "answered", "reception")
    live = simulate(client, keyed, line="line-1", at=SATURDAY_10, digits="1",
                    config="live").get_json()
    assert (live["config"], live["outcome"]) == ("live", "closed")


@pytest.mark.usefixtures("sample")
@pytest.mark.parametrize(("body", "fields"), [
    ({"at": TUESDAY_10}, {"line"}),
    ({"line": "", "at": TUESDAY_10}, {"line"}),
    ({"line": "line-1", "at": "Tuesday at ten"}, {"at"}),
    ({"line": "line-1"}, {"at"}),
    ({"line": "line-1", "at": TUESDAY_10, "digits": "12a"}, {"digits"}),
    ({"line": "line-1", "at": TUESDAY_10, "digits": 12}, {"digits"}),
    ({"line": "line-1", "at": TUESDAY_10, "config": "staging"}, {"config"}),
    ({"line": 7, "at": 7, "digits": "x", "config": 1}, {"line", "at", "digits", "config"}),
])
def test_bad_fields_are_400_naming_each(client, keyed, body, fields):
    response = client.post("/api/simulate", json=body, headers=keyed)
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == fields


def test_an_unknown_line_is_404(client, keyed, sample):
    response = simulate(client, keyed, line="line-9", at=TUESDAY_10)
    assert response.status_code == 404
    assert "line-9" in response.get_json()["error"]


@pytest.mark.usefixtures("sample")
def test_translated_texts_are_the_page_language_sentences(client, keyed):
    plain = simulate(client, keyed, line="line-1", at=TUESDAY_10, digits="1").get_json()
    shown = simulate(client, keyed, "?translated=1", line="line-1", at=TUESDAY_10,
                     digits="1").get_json()
    assert [s["text"] for s in shown["steps"]] == [s["text"] for s in plain["steps"]]
    assert shown["steps"][4]["text"] == (
        'The call waits for team "Reception", which rings the agent free the longest first.')


@pytest.mark.usefixtures("sample")
def test_it_is_guarded_like_every_api_route(app, owner):
    assert simulate(app.test_client(), {}, line="line-1", at=TUESDAY_10).status_code == 401
    assert simulate(owner.client, {}, line="line-1", at=TUESDAY_10).status_code == 403
    token = {"X-CSRF-Token": owner.page_token()}
    assert simulate(owner.client, token, line="line-1", at=TUESDAY_10).status_code == 200


def test_the_simulation_agrees_with_a_real_call(client, keyed, sample):
    """The same office on the simulated hardware: key 1 at 10:00 on a weekday rings the first
    desk the simulation names, and picking it up ends as the simulation said."""
    found = simulate(client, keyed, line="line-1", at=sample.clock.now().isoformat(),
                     digits="1").get_json()
    sample.call("line-1")
    sample.advance(10)                  # the menu prompt plays
    sample.press("line-1", "1")
    first = found["agents_rung"][0]
    assert sample.ringing() == {sample.store.get("agents", first)["station"]}
    sample.pick_up(sample.store.get("agents", first)["station"])
    sample.put_down(sample.store.get("agents", first)["station"])
    assert (sample.last_call()["outcome"], sample.last_call()["team"]) == (
        found["outcome"], found["team"])
