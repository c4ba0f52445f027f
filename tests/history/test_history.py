"""The history store: kept behaviour, migrations from every older layout, timeline, consent,
retention, integrity check and a full disk."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from appliance.errors import ApplianceError
from appliance.records import history as history_module
from appliance.records.history import SCHEMA_VERSION, History, HistoryError, HistoryFull, iso_epoch

from .records import V0_LAYOUTS, record


@pytest.fixture
def history(tmp_path):
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


def old_database(path, layout: str) -> None:
    """A file made the way the code before versioning made it, with rows in every table."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V0_LAYOUTS[layout])
    columns = tuple(record("x"))
    for n, started in enumerate(("2026-03-29T00:30:00+01:00", "2026-03-29T10:00:00+02:00")):
        db.execute(f"INSERT INTO calls ({', '.join(columns)}) VALUES "  # noqa: S608
                   f"({', '.join('?' * len(columns))})", list(record(f"old{n}", started).values()))
    if "sms" in layout:
        db.execute("INSERT INTO sms (direction, line, number, text, at, status) VALUES "
                   "('in', 'l1', '600', 'hello', '2026-03-29T10:00:00+02:00', 'received')")
    if "voicemail" in layout:
        db.execute("INSERT INTO voicemail (id, line, caller, at, seconds, heard) VALUES "
                   "('old1', 'l1', '600', '2026-03-29T10:00:00+02:00', 12.5, 1)")
    db.close()


def schema_of(path) -> dict[str, list]:
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    shape = {n: [db.execute(f"PRAGMA table_info({n})").fetchall(),
                 sorted(db.execute(f"PRAGMA index_list({n})").fetchall())] for n in names}
    db.close()
    return shape


# -- behaviour the callers rely on ------------------------------------------------------------


def test_calls_sms_and_voicemail_keep_their_behaviour(history):
    history.append(record("c1"))
    history.append(record("c2", outcome="abandoned", agent=None))
    assert [c["id"] for c in history.recent()] == ["c2", "c1"]
    assert history.recent(1)[0] == record("c2", outcome="abandoned", agent=None)
    with pytest.raises(sqlite3.IntegrityError):
        history.append(record("c1"))
    history.append_sms("in", "l1", "600", "hi", "2026-11-25T09:00:00+00:00", "received")
    assert history.recent_sms() == [{"direction": "in", "line": "l1", "number": "600",
                                     "text": "hi", "at": "2026-11-25T09:00:00+00:00",
                                     "status": "received",
                                     "purpose": "", "conversation": None}]
    history.add_voicemail("v1", "l1", "600", "2026-11-25T09:00:00+00:00")
    history.add_voicemail("v1", "l1", "600", "2026-11-25T09:00:00+00:00")  # ignored
    history.set_voicemail_seconds("v1", 12.34)
    assert history.mark_voicemail_heard("v1")
    assert not history.mark_voicemail_heard("nope")
    assert history.voicemails() == [{"id": "v1", "line": "l1", "caller": "600",
                                     "at": "2026-11-25T09:00:00+00:00", "seconds": 12.3,
                                     "heard": True}]
    assert history.delete_voicemail("v1")
    assert not history.delete_voicemail("v1")


# -- migrations --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", list(V0_LAYOUTS))
def test_every_unversioned_layout_migrates_with_its_rows(tmp_path, layout):
    path = tmp_path / "old.sqlite3"
    old_database(path, layout)
    h = History(path)
    try:
        assert h.migrated_from == 0
        assert [c["id"] for c in h.recent()] == ["old1", "old0"]
        assert h.recent(1)[0] == record("old1", "2026-03-29T10:00:00+02:00")
        epochs = h.query("SELECT started_epoch FROM calls ORDER BY seq")
        assert [e[0] for e in epochs] == [iso_epoch("2026-03-29T00:30:00+01:00"),
                                          iso_epoch("2026-03-29T10:00:00+02:00")]
        assert h.timeline("old0") == []
        assert len(h.recent_sms()) == (1 if "sms" in layout else 0)
        assert len(h.voicemails()) == (1 if "voicemail" in layout else 0)
        h.add_consent("600", "l1", "dtmf", "You agree to be recorded.", "2026-03-30T10:00Z")
        assert h.check() == []
    finally:
        h.close()
    fresh = tmp_path / "fresh.sqlite3"
    History(fresh).close()
    assert schema_of(path) == schema_of(fresh)


def test_a_current_database_opens_without_migrating(tmp_path):
    History(tmp_path / "h.sqlite3").close()
    h = History(tmp_path / "h.sqlite3")
    assert h.migrated_from == SCHEMA_VERSION
    h.close()


def test_a_failed_migration_leaves_the_old_version_whole(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    old_database(path, "calls+sms+voicemail")
    broken = (history_module.MIGRATIONS[0] + ("THIS IS NOT SQL",),)
    monkeypatch.setattr(history_module, "MIGRATIONS", broken)
    with pytest.raises(HistoryError, match="to schema version 1 failed, it stays at 0"):
        History(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "started_epoch" not in [c[1] for c in db.execute("PRAGMA table_info(calls)")]
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'consent'").fetchall() == []
    db.close()
    monkeypatch.undo()
    h = History(path)
    assert [c["id"] for c in h.recent()] == ["old1", "old0"]
    assert h.check() == []
    h.close()


def test_a_newer_schema_or_a_foreign_file_is_refused_clearly(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="newer than this software"):
        History(newer)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(HistoryError, match="not a usable history database"):
        History(junk)


# -- timeline and consent ------------------------------------------------------------------------


def test_timeline_round_trip(history):
    events = [{"at": "2026-11-25T09:00:00+00:00", "kind": "ring", "detail": "l1"},
              {"at": datetime(2026, 11, 25, 9, 0, 5, tzinfo=UTC), "kind": "queued"},
              {"at": "2026-11-25T09:00:09+00:00", "kind": "answered", "detail": "a1"}]
    history.append(record("c1", events=events))
    history.append(record("c2"))
    assert history.timeline("c1") == [
        {"at": "2026-11-25T09:00:00+00:00", "kind": "ring", "detail": "l1"},
        {"at": "2026-11-25T09:00:05+00:00", "kind": "queued", "detail": ""},
        {"at": "2026-11-25T09:00:09+00:00", "kind": "answered", "detail": "a1"}]
    assert history.timeline("c2") == []
    assert history.timeline("nope") is None
    assert "events" not in history.recent(1)[0]


@pytest.mark.parametrize("events", ["ring", [{"at": "x"}], [{"kind": "ring"}], [1]])
def test_a_malformed_timeline_stores_nothing(history, events):
    with pytest.raises(ValueError, match="event"):
        history.append(record("c1", events=events))
    assert history.recent() == []


def test_consent_records_newest_first_and_per_number(history):
    first = history.add_consent("600", "l1", "dtmf", "Recorded?", "2026-11-25T09:00Z", "c1")
    history.add_consent("700", "l2", "sms", "YES", "2026-11-25T10:00Z")
    assert first == 1
    assert [c["number"] for c in history.consents()] == ["700", "600"]
    assert history.consents(number="600") == [
        {"id": 1, "number": "600", "line": "l1", "channel": "dtmf",
         "at": "2026-11-25T09:00Z", "text": "Recorded?", "call_id": "c1", "granted": True,
         "expires": None, "message": None}]
    history.add_consent("600", "l1", "sms", "BAJA", "2026-11-25T11:00Z", granted=False)
    assert history.consents(number="600")[0]["granted"] is False    # taken back, newest first
    with pytest.raises(ValueError, match="channel"):
        history.add_consent("600", "l1", "email", "x", "2026-11-25T09:00Z")


# -- retention -------------------------------------------------------------------------------


def test_purge_deletes_what_is_older_than_the_cutoff(history, monkeypatch):
    monkeypatch.setattr(history_module, "PURGE_BATCH", 3)  # several batches
    for n in range(7):  # 2024-01-0n, in a zone east of UTC: the offset must count
        history.append(record(f"old{n}", f"2024-01-0{n + 1}T00:30:00+02:00"))
    history.append(record("edge", "2024-01-10T01:00:00+02:00"))  # == cutoff: kept
    history.append(record("new", "2025-06-01T10:00:00+02:00"))
    history.append_sms("in", "l1", "600", "old", "2024-01-01T10:00:00+00:00", "received")
    history.append_sms("in", "l1", "600", "new", "2025-06-01T10:00:00+00:00", "received")
    history.add_voicemail("vold", "l1", "600", "2024-01-01T10:00:00+00:00")
    history.add_voicemail("vnew", "l1", "600", "2025-06-01T10:00:00+00:00")
    for at in ("2023-01-01T00:00Z", "2023-02-01T00:00Z"):  # 600's newest stays: the proof
        history.add_consent("600", "l1", "dtmf", "ok", at)
    history.add_consent("700", "l1", "dtmf", "old", "2023-01-01T00:00Z")
    history.add_consent("700", "l1", "sms", "renewed", "2025-01-01T00:00Z")

    purged = history.purge(datetime(2024, 1, 9, 23, 0, tzinfo=UTC))
    assert (purged.calls, purged.sms, purged.consent, purged.voicemails) == (7, 1, 2, ["vold"])
    assert [c["id"] for c in history.recent()] == ["new", "edge"]
    assert [s["text"] for s in history.recent_sms()] == ["new"]
    assert [v["id"] for v in history.voicemails()] == ["vnew"]
    assert [(c["number"], c["text"]) for c in history.consents()] == [("700", "renewed"),
                                                                      ("600", "ok")]
    assert history.check() == []


def test_purge_keeps_open_callbacks_and_conversations_whatever_their_age(history):
    def callback(cid: str, state: str) -> dict:
        return {"id": cid, "number": "600", "line": "l1", "team": "t", "state": state,
                "attempts": 1, "requested": "2023-01-01T00:00Z", "place": "2023-01-01T00:00Z",
                "updated": "2023-01-01T00:00Z"}

    def conversation(cid: str, state: str) -> dict:
        return {"id": cid, "line": "l1", "number": "600", "state": state,
                "opened": "2023-01-01T00:00Z", "last_at": "2023-01-01T00:00Z",
                "closed": "2023-01-01T00:00Z" if state == "closed" else None}

    history.save_callback(callback("done", "done"))
    history.save_callback(callback("waiting", "waiting"))
    history.save_conversation(conversation("closed", "closed"))
    history.save_conversation(conversation("open", "open"))
    history.purge(datetime(2024, 1, 1, tzinfo=UTC))
    assert [c["id"] for c in history.callbacks()] == ["waiting"]
    assert [c["id"] for c in history.conversations()] == ["open"]


def test_retention_defaults_to_two_years(tmp_path):
    h = History(tmp_path / "h.sqlite3")
    assert h.retention_days == 730
    h.append(record("old", "2024-11-24T10:00:00+00:00"))
    h.append(record("kept", "2024-11-26T10:00:00+00:00"))
    assert h.purge_expired(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)).calls == 1
    assert [c["id"] for c in h.recent()] == ["kept"]
    h.close()
    forever = History(tmp_path / "h.sqlite3", retention_days=None)
    assert forever.purge_expired(datetime(2040, 1, 1, tzinfo=UTC)).calls == 0
    forever.close()
    with pytest.raises(ValueError, match="retention_days"):
        History(tmp_path / "h.sqlite3", retention_days=0)


# -- integrity and a full disk ---------------------------------------------------------------


def test_check_reports_a_damaged_page(tmp_path):
    path = tmp_path / "h.sqlite3"
    h = History(path)
    for n in range(300):
        h.append(record(f"c{n}"))
    assert h.check() == []
    root = h.query("SELECT rootpage FROM sqlite_master WHERE name = 'calls_team'")[0][0]
    page = h.query("PRAGMA page_size")[0][0]
    h.close()  # the last connection checkpoints the WAL into the file
    with path.open("r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xff" * 64)
    damaged = History(path)
    problems = damaged.check()
    damaged.close()
    assert problems
    assert "btreeInitPage" in problems[0]


def test_a_full_disk_refuses_the_append_and_keeps_every_stored_row(tmp_path):
    path = tmp_path / "h.sqlite3"
    h = History(path, max_bytes=96 * 1024)
    stored, big = [], [{"at": "2026-11-25T09:00:00+00:00", "kind": "note", "detail": "x" * 400}]

    def fill_up() -> None:
        for n in range(10_000):
            h.append(record(f"c{n}", events=big))
            stored.append(f"c{n}")

    with pytest.raises(HistoryFull) as full:
        fill_up()
    assert isinstance(full.value, ApplianceError)
    assert full.value.status == 507
    assert "not stored" in full.value.message
    assert 10 < len(stored) < 10_000
    with pytest.raises(HistoryFull):
        h.append_sms("in", "l1", "600", "x" * 5000, "2026-11-25T09:00:00+00:00", "received")
    assert [c["id"] for c in h.recent(100_000)] == stored[::-1]
    assert h.check() == []
    h.close()
    roomy = History(path)
    assert len(roomy.recent(100_000)) == len(stored)
    roomy.append(record("after"))
    assert roomy.recent(1)[0]["id"] == "after"
    assert roomy.check() == []
    roomy.close()


def test_in_memory_history_works_with_one_connection():
    h = History(":memory:")
    h.append(record("c1"))
    assert h.recent()[0]["id"] == "c1"
    assert h.check() == []
    h.close()


def test_a_long_read_on_a_web_thread_does_not_delay_appends(tmp_path, monkeypatch):
    """Reads have their own connection and lock: the core's append does not wait for them."""
    in_query, real = threading.Event(), history_module.iso_epoch

    def iso_epoch_spy(value):  # called from inside the query, with the read lock held
        if value == "signal":
            in_query.set()
        return real(value)

    monkeypatch.setattr(history_module, "iso_epoch", iso_epoch_spy)
    history = History(tmp_path / "h.sqlite3")
    reader = threading.Thread(target=history.query, args=(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000000) "
        "SELECT count(*) FROM r WHERE iso_epoch('signal') IS NULL",))  # about a second
    reader.start()
    in_query.wait(timeout=10)
    for n in range(20):
        history.append(record(f"c{n}"))
    still_reading = reader.is_alive()
    reader.join()
    assert in_query.is_set()
    assert still_reading
    assert len(history.recent(100)) == 20
    history.close()


def test_the_change_log_keeps_its_newest_entries_only(history, monkeypatch):
    monkeypatch.setattr("appliance.records.history.CHANGES_KEPT", 3)
    for n in range(5):
        history.append_change(f"2026-12-0{n + 1}T10:00:00+00:00", "the owner", "changed",
                              "teams", "sales", f"Sales {n}")
    names = [c["name"] for c in history.recent_changes(10)]
    assert names == ["Sales 4", "Sales 3", "Sales 2"]
