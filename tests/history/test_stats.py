"""Statistics on a hand-made dataset around the end of DST in Madrid (2026-10-25 has 25 hours),
with two teams and three agents, and the ``/api/stats`` route."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.errors import ValidationError
from appliance.records import stats
from appliance.records.history import History
from web import create_app

from .records import record

MADRID = ZoneInfo("Europe/Madrid")
KEY = "stats-key-0123456789"
D24, D25, D26 = date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)
# id, started, outcome, team, agent, wait_s; the comment is the Madrid wall clock.
CALLS = [
    ("d24", "2026-10-24T08:00:00+00:00", "answered", "sales", "a1", 5.0),     # 24th 10:00 CEST
    ("night", "2026-10-24T22:30:00+00:00", "abandoned", "sales", None, 40.0),  # 25th 00:30 CEST
    ("fold1", "2026-10-25T00:30:00+00:00", "answered", "sales", "a2", 20.0),  # 02:30 CEST
    ("fold2", "2026-10-25T01:30:00+00:00", "answered", "support", "a3", 30.0),  # 02:30 CET
    ("late", "2026-10-25T22:30:00+00:00", "abandoned", "support", None, 10.0),  # 23:30 CET
    ("busy", "2026-10-25T23:30:00+00:00", "busy", None, None, 0.0),           # 26th 00:30 CET
    ("closed", "2026-10-26T09:00:00+01:00", "closed", None, None, 0.0),       # 26th 09:00
    ("vm", "2026-10-26T10:00:00Z", "voicemail", "sales", None, 60.0),         # 26th 11:00
]
ZERO = {"answered": 0, "abandoned": 0, "busy": 0, "closed": 0, "message": 0, "voicemail": 0,
        "callback_requested": 0, "failed": 0}


def fill(history: History) -> None:
    for cid, started, outcome, team, agent, wait in CALLS:
        history.append(record(cid, started, outcome=outcome, team=team, agent=agent,
                              wait_s=wait))


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "history.sqlite3")
    fill(h)
    yield h
    h.close()


def metrics(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("key", "start", "end")}


def test_by_day_follows_madrid_days_across_the_dst_change(history):
    rows = stats.summary(history, D24, D26, tz=MADRID, by="day")
    assert [(r["key"], r["start"], r["end"]) for r in rows] == [
        ("2026-10-24", "2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00"),
        ("2026-10-25", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
        ("2026-10-26", "2026-10-26T00:00:00+01:00", "2026-10-27T00:00:00+01:00")]
    assert metrics(rows[0]) == {"offered": 1, **ZERO, "answered": 1, "average_wait_s": 5.0,
                                "longest_wait_s": 5.0, "service_level": 1.0,
                                "service_level_perf2": 1.0}
    # answered waits 20 and 30, abandoned 40 and 10; threshold 20 s (inclusive)
    assert metrics(rows[1]) == {"offered": 4, **ZERO, "answered": 2, "abandoned": 2,
                                "average_wait_s": 25.0, "longest_wait_s": 40.0,
                                "service_level": 0.5, "service_level_perf2": 0.5}
    assert metrics(rows[2]) == {"offered": 3, **ZERO, "busy": 1, "closed": 1, "voicemail": 1,
                                "average_wait_s": None, "longest_wait_s": 60.0,
                                "service_level": None, "service_level_perf2": None}


def test_by_hour_has_25_hours_and_two_distinct_2_am_on_the_fall_back_day(history):
    rows = stats.summary(history, D25, D25, tz="Europe/Madrid", by="hour")
    assert len(rows) == 25
    busy = {r["key"]: r["offered"] for r in rows if r["offered"]}
    assert busy == {"2026-10-25T00:00+02:00": 1, "2026-10-25T02:00+02:00": 1,
                    "2026-10-25T02:00+01:00": 1, "2026-10-25T23:00+01:00": 1}
    assert rows[3]["start"] == "2026-10-25T02:00:00+01:00"
    assert rows[3]["end"] == "2026-10-25T03:00:00+01:00"
    empty = rows[1]
    assert empty["offered"] == 0
    assert empty["average_wait_s"] is None
    assert empty["longest_wait_s"] is None
    assert empty["service_level"] is None


def test_hour_buckets_on_short_days_and_half_hour_zones():
    spring = stats.hour_buckets(date(2026, 3, 29), date(2026, 3, 29), MADRID)
    assert len(spring) == 23
    assert spring[2][0] == "2026-03-29T03:00+02:00"
    for name in ("Asia/Kolkata", "Asia/Kathmandu"):
        hours = stats.hour_buckets(D25, D26, ZoneInfo(name))
        assert len(hours) == 48
        assert all(hi - lo == 3600 for _, lo, hi in hours)
        assert hours[0][0].startswith("2026-10-25T00:00+05:")


def test_by_team_and_by_agent(history):
    teams = stats.summary(history, D24, D26, tz=MADRID, by="team")
    assert [r["key"] for r in teams] == ["sales", "support", None]
    assert metrics(teams[0]) == {"offered": 4, **ZERO, "answered": 2, "abandoned": 1,
                                 "voicemail": 1, "average_wait_s": 12.5, "longest_wait_s": 60.0,
                                 "service_level": 1.0, "service_level_perf2": 0.6667}
    assert metrics(teams[1]) == {"offered": 2, **ZERO, "answered": 1, "abandoned": 1,
                                 "average_wait_s": 30.0, "longest_wait_s": 30.0,
                                 "service_level": 0.0, "service_level_perf2": 0.5}
    assert (teams[2]["offered"], teams[2]["busy"], teams[2]["closed"]) == (2, 1, 1)
    agents = stats.summary(history, D24, D26, tz=MADRID, by="agent")
    assert [(r["key"], r["offered"], r["answered"]) for r in agents] == [
        ("a1", 1, 1), ("a2", 1, 1), ("a3", 1, 1), (None, 5, 0)]


def test_range_filters_and_threshold(history):
    only_25 = stats.summary(history, D25, D25, tz=MADRID, by="team")
    assert [(r["key"], r["offered"]) for r in only_25] == [("sales", 2), ("support", 2)]
    sales = stats.summary(history, D24, D26, tz=MADRID, by="day", team="sales")
    assert [r["offered"] for r in sales] == [1, 2, 1]
    a2 = stats.summary(history, D24, D26, tz=MADRID, by="team", agent="a2")
    assert [(r["key"], r["offered"]) for r in a2] == [("sales", 1)]
    lenient = stats.summary(history, D25, D25, tz=MADRID, by="day", service_level_s=30)
    assert (lenient[0]["service_level"], lenient[0]["service_level_perf2"]) == (1.0, 0.75)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"by": "week"}, "by"), ({"end": date(2026, 10, 1)}, "to"),
    ({"by": "hour", "end": date(2026, 12, 31)}, "to"), ({"tz": "Mars/Olympus"}, "tz"),
    ({"service_level_s": -1}, "service_level_s")])
def test_bad_arguments_name_their_field(history, kwargs, field):
    args = {"start": D24, "end": D26, "tz": "Europe/Madrid", "by": "day"} | kwargs
    with pytest.raises(ValidationError) as error:
        stats.summary(history, args.pop("start"), args.pop("end"), **args)
    assert field in error.value.fields


# -- the web route ---------------------------------------------------------------------------


@pytest.fixture
def client(bare_office):
    app = create_app(bare_office.app.api, api_key=KEY, test_config={"TESTING": True})
    fill(bare_office.app.history)
    return app.test_client()


def get(client, query: str, key: str | None = KEY):
    return client.get(f"/api/stats{query}", headers={"X-Api-Key": key} if key else {})


def test_route_returns_the_summary(client, bare_office):
    reply = get(client, "?from=2026-10-24&to=2026-10-26&by=day&tz=Europe/Madrid")
    assert reply.status_code == 200
    body = reply.get_json()
    assert {k: body[k] for k in ("from", "to", "by", "tz", "service_level_s")} == {
        "from": "2026-10-24", "to": "2026-10-26", "by": "day", "tz": "Europe/Madrid",
        "service_level_s": 20.0}
    assert body["rows"] == stats.summary(bare_office.app.history, D24, D26, tz=MADRID)
    hours = get(client, "?from=2026-10-25&to=2026-10-25&by=hour&tz=Europe/Madrid")
    assert len(hours.get_json()["rows"]) == 25
    team = get(client, "?from=2026-10-24&to=2026-10-26&by=agent&team=sales&service_level_s=30")
    assert [r["key"] for r in team.get_json()["rows"]] == ["a1", "a2", None]


def test_route_reports_every_bad_parameter(client):
    reply = get(client, "?to=26-10-2026&by=week&tz=Nowhere/Land&service_level_s=abc")
    assert reply.status_code == 400
    assert set(reply.get_json()["fields"]) == {"from", "to", "by", "tz", "service_level_s"}
    backwards = get(client, "?from=2026-10-26&to=2026-10-24")
    assert backwards.status_code == 400
    assert "to" in backwards.get_json()["fields"]
    assert get(client, "?from=2026-10-24&to=2026-10-26", key=None).status_code == 401


def test_route_defaults_to_the_schedules_time_zone(client, bare_office):
    assert get(client, "?from=2026-10-24&to=2026-10-26").get_json()["tz"] == "UTC"
    bare_office.add("schedules", id="hours", name="Hours", timezone="America/New_York",
                    weekly={"mon": [["09:00", "17:00"]]})
    body = get(client, "?from=2026-10-24&to=2026-10-26").get_json()
    assert body["tz"] == "America/New_York"
    assert body["rows"][0]["start"] == datetime(2026, 10, 24, tzinfo=ZoneInfo(
        "America/New_York")).isoformat()
