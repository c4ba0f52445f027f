"""The history through the API: filters, pages, the streamed CSV, and stats meaning today."""

from __future__ import annotations

import csv
import io

import pytest

from appliance.records import listing
from appliance.records.listing import CallQuery
from web.helpers import csv_lines

CALLS = [  # started (UTC), line, caller, outcome, team, agent
    ("2026-12-01T09:00:00+00:00", "l1", "+34600111222", "answered", "sales", "ana"),
    ("2026-12-01T23:30:00+00:00", "l2", "=HYPERLINK(\"x\")", "abandoned", "sales", None),
    ("2026-12-02T10:00:00+00:00", "l1", "600999888", "closed", None, None),
    ("2026-12-03T11:00:00+00:00", "l2", "+34600111222", "answered", "support", "bea"),
]


@pytest.fixture
def history_of_four(history):
    for n, (started, line, caller, outcome, team, agent) in enumerate(CALLS):
        history.append({"id": f"c{n}", "line": line, "caller": caller, "started": started,
                        "ended": started, "outcome": outcome, "reason": "", "team": team,
                        "agent": agent, "wait_s": 1.0, "talk_s": 2.0})
    return history


def ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.get_json()
    return [c["id"] for c in reply.get_json()]


@pytest.mark.usefixtures("history_of_four")
def test_filters_combine_and_days_are_the_offices(client, keyed, store):
    store.create("schedules", {"id": "o", "name": "O", "timezone": "Europe/Madrid"})
    assert ids(client.get("/api/calls", headers=keyed)) == ["c3", "c2", "c1", "c0"]
    # 23:30 UTC on the 1st is already the 2nd in Madrid
    assert ids(client.get("/api/calls?from=2026-12-02&to=2026-12-02", headers=keyed)) == [
        "c2", "c1"]
    assert ids(client.get("/api/calls?line=l1&outcome=answered", headers=keyed)) == ["c0"]
    assert ids(client.get("/api/calls?caller=600111", headers=keyed)) == ["c3", "c0"]
    assert ids(client.get("/api/calls?team=sales&agent=ana", headers=keyed)) == ["c0"]
    assert ids(client.get("/api/calls?limit=2&offset=2", headers=keyed)) == ["c1", "c0"]


def test_bad_filters_are_400_naming_each(client, keyed):
    reply = client.get("/api/calls?from=yesterday&to=2026-13-01&offset=x", headers=keyed)
    assert reply.status_code == 400
    assert {"from", "to"} <= set(reply.get_json()["fields"])
    assert client.get("/api/calls?offset=-1", headers=keyed).status_code == 400


@pytest.mark.usefixtures("history_of_four")
def test_the_csv_has_every_match_and_never_a_formula(client, keyed):
    reply = client.get("/api/calls.csv?line=l2", headers=keyed)
    assert reply.mimetype == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert [r["id"] for r in rows] == ["c3", "c1"]
    assert rows[0]["caller"] == "+34600111222"          # a number stays a number
    assert rows[1]["caller"] == "'=HYPERLINK(\"x\")"    # a formula is made plain text


def test_an_export_walks_any_number_of_rows_in_batches(history, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_BATCH", 3)
    for n in range(10):
        history.append({"id": f"c{n}", "line": "l1", "caller": "1", "outcome": "answered",
                        "started": f"2026-12-01T09:{n:02d}:00+00:00",
                        "ended": "2026-12-01T10:00:00+00:00", "reason": "", "team": None,
                        "agent": None, "wait_s": 0.0, "talk_s": 0.0})
    found = [c["id"] for c in listing.every(history, CallQuery(line="l1"))]
    assert found == [f"c{n}" for n in range(9, -1, -1)]


def test_stats_without_a_range_are_today(client, keyed):
    reply = client.get("/api/stats", headers=keyed)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["from"] == body["to"]
    half = client.get("/api/stats?from=2026-12-01", headers=keyed)
    assert half.status_code == 400
    assert "to" in half.get_json()["fields"]


def test_the_csv_reads_one_row_at_a_time():
    """A tuple display once unpacked the whole generator: 79 MB for 100,000 calls."""
    def rows():
        yield {"id": "a"}
        raise AssertionError("read ahead of the line being sent")

    lines = csv_lines(["id"], rows())
    assert (next(lines), next(lines)) == ("id\r\n", "a\r\n")
