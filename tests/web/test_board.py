"""The live board's event stream (/api/events) and the hours set open or closed by hand.

The stream is read through Flask's test client, so its generator runs in the test's thread:
each ``next`` lets it wait for the core's next change (or its keep-alive timeout, shortened
here), never a sleep.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from appliance.ops.assembly import build_simulated
from web import board

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def quick_keepalive(monkeypatch):
    monkeypatch.setattr(board, "KEEPALIVE_S", 0.05)


class Stream:
    """One open /api/events response, read event by event."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.chunks: Iterator[bytes] = iter(response.response)

    def next_chunk(self) -> str:
        chunk = next(self.chunks)
        return chunk.decode() if isinstance(chunk, bytes) else chunk

    def board_where(self, condition, timeout: float = 5.0) -> dict[str, Any]:
        """The first board document for which ``condition`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = self.next_chunk()
            if chunk.startswith("event: board\n"):
                doc = json.loads(chunk.split("data: ", 1)[1])
                if condition(doc):
                    return doc
        raise AssertionError("no board document matched in time")

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def stream(client, keyed) -> Iterator[Any]:
    opened = []

    def open_stream(**headers: str) -> Stream:
        response = client.get("/api/events", headers=keyed | headers, buffered=False)
        assert response.status_code == 200, response.get_data(as_text=True)
        opened.append(Stream(response))
        return opened[-1]

    yield open_stream
    for each in opened:
        each.close()


def test_the_stream_needs_the_owner_or_a_key(client):
    assert client.get("/api/events").status_code == 401


def test_a_call_appears_on_the_board_and_leaves_it_when_it_ends(seeded, stream):
    feed = stream()
    assert feed.response.mimetype == "text/event-stream"
    assert feed.next_chunk() == f"retry: {board.RETRY_MS}\n\n"
    first = feed.board_where(lambda doc: True)
    assert [line["id"] for line in first["lines"]] == ["mobile"]
    assert first["calls"] == []

    seeded.call("mobile", "600111222")
    waiting = feed.board_where(lambda doc: doc["calls"] and doc["calls"][0]["state"] == "offered")
    call = waiting["calls"][0]
    assert (call["caller"], call["team"], call["position"]) == ("600111222", "sales", 1)
    assert call["hearing_text"] == "a soft waiting tone"      # Sales has no hold audio
    assert [s["ringing"] for s in waiting["stations"]] == [True, False]

    seeded.caller_hangs_up("mobile")
    after = feed.board_where(lambda doc: not doc["calls"])
    assert after["recent"][0]["outcome"] == "abandoned"
    assert (after["today"]["offered"], after["today"]["abandoned"]) == (1, 1)
    assert after["today"]["service_level_s"] == 20


def test_a_connected_caller_hears_the_agent(seeded, stream):
    feed = stream()
    seeded.call("mobile")
    seeded.pick_up("desk-1")
    doc = feed.board_where(lambda d: d["calls"] and d["calls"][0]["state"] == "connected")
    assert doc["calls"][0]["hearing_text"] == "talking with Ana"
    assert doc["calls"][0]["position"] is None


def test_an_idle_board_gets_keep_alives_only(seeded, stream):
    feed = stream()
    feed.board_where(lambda doc: True)
    assert [feed.next_chunk() for _ in range(3)] == [": keep-alive\n\n"] * 3


def test_the_stream_ends_when_the_box_stops(app, seeded, stream):
    feed = stream()
    feed.board_where(lambda doc: True)
    app.extensions["switchboard"].api.end_streams()
    with pytest.raises(StopIteration):
        feed.next_chunk()
    feed.close()
    assert board.drain(app, timeout=1.0)


def test_only_so_many_boards_at_once(client, keyed, stream):
    opened = [stream() for _ in range(board.MAX_STREAMS)]     # never read: not even started
    refused = client.get("/api/events", headers=keyed)
    assert refused.status_code == 503
    assert "live boards are open already" in refused.get_json()["error"]
    opened[0].close()                                          # a browser leaves
    assert stream().response.status_code == 200


# -- open or closed by hand -----------------------------------------------------------------


@pytest.fixture
def closed_office(seeded):
    """The line follows the office's hours: Mondays only, and today is a Wednesday."""
    seeded.change("lines", "mobile", schedule="office")
    return seeded


def override(client, keyed, doc: dict[str, Any]) -> Any:
    return client.put("/api/schedules/office/override", json=doc, headers=keyed)


def outcome_of_a_call(office: Any) -> str:
    """Call the line, hang up if the box has not already, and say how the call ended."""
    office.call("mobile")
    if office.call_on("mobile") is not None:
        office.caller_hangs_up("mobile")
    return office.last_call()["outcome"]


def test_open_by_hand_lets_calls_in_until_it_ends(client, keyed, closed_office, stream):
    now = closed_office.clock.now()
    feed = stream()
    assert feed.board_where(lambda d: True)["hours"][0]["open"] is False
    answer = override(client, keyed, {"open": True, "until": (now + HOUR).isoformat()})
    assert answer.status_code == 200
    assert answer.get_json()["open"] is True
    hours = feed.board_where(lambda d: d["hours"][0]["by_hand"])["hours"][0]
    assert hours["open"] is True
    assert hours["sentence"].startswith("Open by hand until")

    tried = client.post("/api/simulate", headers=keyed,
                        json={"line": "mobile", "at": now.isoformat()}).get_json()
    assert [(s["kind"], s.get("reason")) for s in tried["steps"][1:2]] == [
        ("schedule", "override")]
    assert outcome_of_a_call(closed_office) == "abandoned"     # it waited for the team
    closed_office.advance(3601)                                # then the hours take over
    assert outcome_of_a_call(closed_office) == "closed"


def test_back_to_the_hours(client, keyed, closed_office, stream):
    now = closed_office.clock.now()
    override(client, keyed, {"open": True, "until": (now + HOUR).isoformat()})
    feed = stream()
    assert feed.board_where(lambda d: True)["hours"][0]["by_hand"] is True
    assert client.delete("/api/schedules/office/override", headers=keyed).status_code == 204
    hours = feed.board_where(lambda d: not d["hours"][0]["by_hand"])["hours"][0]
    assert hours["open"] is False
    assert hours["sentence"].startswith("Closed now.")
    assert outcome_of_a_call(closed_office) == "closed"


@pytest.mark.parametrize(("doc", "field"), [
    ({"until": "2026-11-25T11:00:00+01:00"}, "open"),
    ({"open": "yes", "until": "2026-11-25T11:00:00+01:00"}, "open"),
    ({"open": False, "until": "2026-11-25T11:00:00"}, "until"),      # no offset
    ({"open": False, "until": "tomorrow"}, "until"),
    ({"open": False, "until": "2026-11-25T09:00:00+01:00"}, "until"),  # already past
    ({"open": False, "until": "2027-01-25T09:00:00+01:00"}, "until"),  # over a month
])
def test_a_bad_override_says_which_field(client, keyed, closed_office, doc, field):
    answer = override(client, keyed, doc)
    assert answer.status_code == 400
    assert list(answer.get_json()["fields"]) == [field]
    assert closed_office.app.api.overrides() == {}


def test_an_unknown_schedule_is_404(client, keyed, seeded):
    answer = client.put("/api/schedules/nope/override", headers=keyed,
                        json={"open": True, "until": "2026-11-25T11:00:00+01:00"})
    assert answer.status_code == 404


def test_an_override_survives_a_restart(client, keyed, closed_office, tmp_path):
    until = closed_office.clock.now() + HOUR
    override(client, keyed, {"open": False, "until": until.isoformat()})
    closed_office.app.close()
    again = build_simulated(tmp_path / "data", closed_office.clock)
    again.start()
    try:
        kept = again.engine.on_core(lambda core: dict(core.office.overrides))
        assert kept["office"].open is False
        assert kept["office"].until == until
        assert again.api.hours_now()["office"].reason.value == "override"
    finally:
        again.close()


def test_a_stream_ends_when_its_login_does(owner):
    """Logging out (here, in another request of the same browser) ends the open stream."""
    response = owner.client.get("/api/events", buffered=False)
    feed = Stream(response)
    feed.board_where(lambda doc: True)
    owner.logout()
    rest = list(itertools.islice(feed.chunks, 100))     # a stream that went on would fill it
    assert len(rest) < 100
    assert all(b"event: board" not in chunk for chunk in rest)
    feed.close()
