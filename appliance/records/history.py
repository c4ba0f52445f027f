"""History outside the config file: calls with their timeline, SMS, voicemail index, consent.

Why SQLite (stdlib) in WAL mode: the log grows without bound, and TinyDB would rewrite the whole
file on every insert (hardware-and-os.md §7). WAL appends a few pages per record, and readers
(web threads) never block the writer (the core thread) nor the other way round, so the history
keeps two connections: a writer behind one lock and a read-only reader behind another. A slow
statistics query on the web therefore never delays the append at the end of a call.

Why ``synchronous=FULL``: an append returns only after the WAL is fsynced, so every acknowledged
change survives a power cut, not just a crash. ``NORMAL`` survives SIGKILL too (the WAL sits in
the OS page cache) and never corrupts, but a pulled plug, the appliance's most common failure,
drops the commits the kernel had not yet written back (typically the last ~30 s, its writeback
delay), consent records included. Measured on the dev VM (bench/history.py, median of 2000
appends, flat from 1 000 to 1 000 000 records): 0.34 ms per append with FULL, 0.10 ms with
NORMAL. An SD card's fsync is slower (a few ms, worse during its garbage collection), but an
append happens once per call, SMS or consent, a few hundred times a day: FULL costs a short
stall of the core thread when a call ends and negligible wear. ``synchronous="NORMAL"`` stays
available should that stall ever matter more than the last records.

Timeline storage: an ``events`` JSON text column on ``calls``, not a ``call_events`` table. The
timeline is written once together with its call, always read whole by call id and never queried
across calls; one row keeps the append a single INSERT (atomic without a transaction, one index
update per index instead of one per event) and retention deletes it with its call.

Statistics group by the local day or hour of any time zone, so ``calls.started_epoch`` (UTC
seconds, indexed) is stored next to the ISO ``started`` text: exact bucket bounds are computed
in Python (DST-correct) and each bucket is an index range scan (see ``appliance.records.stats``).

Schema versions live in ``PRAGMA user_version`` and migrate in order at open, each in one
transaction with its version bump, so a crash mid-migration leaves the previous version intact.
Version 0 is the layout of the code before versioning (calls; later sms; later voicemail), found
in any database with ``user_version`` 0; an empty file is version 0 with no tables.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from appliance.errors import ApplianceError
from appliance.records.followups import V4, FollowUpRecords

COLUMNS = ("id", "line", "caller", "started", "ended", "outcome", "reason", "team", "agent",
           "wait_s", "talk_s")
SMS_COLUMNS = ("direction", "line", "number", "text", "at", "status", "purpose", "conversation")
VOICEMAIL_COLUMNS = ("id", "line", "caller", "at", "seconds", "heard")
CONSENT_COLUMNS = ("id", "number", "line", "channel", "at", "text", "call_id", "granted",
                   "expires", "message")
CONSENT_CHANNELS = ("dtmf", "sms")
EVENT_KEYS = ("at", "kind", "detail")
DEFAULT_RETENTION_DAYS = 730
PURGE_BATCH = 2000  # rows per delete transaction, so a big purge never holds the lock for long
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024  # truncate the WAL back to this after checkpoints

# Version 0, exactly as the unversioned code created it (IF NOT EXISTS: older files lack tables).
V0 = (
    """CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    line TEXT NOT NULL,
    caller TEXT,
    started TEXT NOT NULL,
    ended TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    team TEXT,
    agent TEXT,
    wait_s REAL NOT NULL DEFAULT 0,
    talk_s REAL NOT NULL DEFAULT 0
)""",
    "CREATE INDEX IF NOT EXISTS calls_ended ON calls (ended)",
    """CREATE TABLE IF NOT EXISTS sms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    direction TEXT NOT NULL,
    line TEXT NOT NULL,
    number TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS voicemail (
    id TEXT PRIMARY KEY,
    line TEXT NOT NULL,
    caller TEXT,
    at TEXT NOT NULL,
    seconds REAL,
    heard INTEGER NOT NULL DEFAULT 0
)""",
)

# Version 1: the UTC epoch and timeline columns, the statistics indexes, consent records.
# ``calls_started`` covers every column the statistics read, so a dashboard query scans a thin
# index range instead of fetching the wide rows (the timeline makes them ~570 bytes): 30 days at
# 1M calls read ~430 index pages instead of ~5,800 table pages. With a warm cache the CPU time is
# about the same; on an SD card with a cold cache the pages are what costs. The index adds ~4%
# to the file and no page per append (its rightmost leaf is written anyway).
# ``calls_team``/``calls_agent`` serve statistics narrowed to one team or agent.
# Newest-first listings use ``seq``/``id`` (the rowid) and need no index; ``calls_ended`` served
# no query and only cost every append, so it goes.
V1 = (
    "ALTER TABLE calls ADD COLUMN started_epoch REAL",
    "ALTER TABLE calls ADD COLUMN events TEXT",
    "UPDATE calls SET started_epoch = iso_epoch(started)",
    "DROP INDEX IF EXISTS calls_ended",
    "CREATE INDEX calls_started ON calls (started_epoch, outcome, wait_s, team, agent)",
    "CREATE INDEX calls_team ON calls (team, started_epoch)",
    "CREATE INDEX calls_agent ON calls (agent, started_epoch)",
    "CREATE INDEX voicemail_at ON voicemail (at)",
    """CREATE TABLE consent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL,
    line TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('dtmf', 'sms')),
    at TEXT NOT NULL,
    text TEXT NOT NULL,
    call_id TEXT
)""",
    "CREATE INDEX consent_number ON consent (number, id)",
)

# Version 2: the log of configuration changes made on the page or through the API (who,
# when, what), kept to its last ``CHANGES_KEPT`` entries.
V2 = (
    """CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    kind TEXT NOT NULL,
    rid TEXT NOT NULL,
    name TEXT NOT NULL
)""",
)
CHANGES_KEPT = 1000

# Version 3: a consent record may take consent back ("no", "stop", "baja": granted = 0), and
# says until when it holds (``expires``; older records: 24 h from ``at``).
V3 = (
    "ALTER TABLE consent ADD COLUMN granted INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE consent ADD COLUMN expires TEXT",
)

MIGRATIONS: tuple[Sequence[str], ...] = (V0 + V1, V2, V3, V4)  # [n]: version n to n + 1
SCHEMA_VERSION = len(MIGRATIONS)
TABLES = ("calls", "sms", "voicemail", "consent", "changes", "callbacks", "conversations")
CHANGE_COLUMNS = ("at", "who", "action", "kind", "rid", "name")

INSERT_CALL = (f"INSERT INTO calls ({', '.join(COLUMNS)}, started_epoch, events) "  # noqa: S608
               f"VALUES ({', '.join('?' * (len(COLUMNS) + 2))})")
SELECT_CALLS = f"SELECT {', '.join(COLUMNS)} FROM calls ORDER BY seq DESC LIMIT ?"  # noqa: S608


class HistoryError(ApplianceError):
    """The history database cannot be used (unreadable, newer than this code, I/O failure)."""

    status = 500


class HistoryFull(HistoryError):
    """The disk or the configured size limit is full: the change was not stored, older rows are
    intact. 507 Insufficient Storage tells an API client it is not its request's fault."""

    status = 507

    def __init__(self, message: str = "The call history is full (disk or size limit): this "
                                      "record was not stored. Free space on the SD card or "
                                      "shorten the retention.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Purged:
    """What a purge removed; ``voicemails`` are ids whose recordings the caller should delete."""

    calls: int = 0
    sms: int = 0
    consent: int = 0
    voicemails: list[str] = field(default_factory=list)


def iso_epoch(value: Any) -> float | None:
    """UTC seconds of an ISO-8601 text (naive means UTC); ``None`` when it is not one."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def events_json(events: Any) -> str | None:
    """The timeline as stored: a JSON list of ``{"at", "kind", "detail"}``, or NULL for none."""
    if events is None:
        return None
    if not isinstance(events, Sequence) or isinstance(events, str | bytes):
        raise ValueError("events must be a list of {'at', 'kind', 'detail'} objects")
    clean = []
    for event in events:
        if not isinstance(event, Mapping) or not isinstance(event.get("kind"), str):
            raise ValueError(f"event {event!r} needs at least a text 'kind'")
        at = event.get("at")
        at = at.isoformat() if isinstance(at, datetime) else at
        if not isinstance(at, str):
            raise ValueError(f"event {event!r} needs an ISO 'at' time")
        clean.append({"at": at, "kind": event["kind"], "detail": str(event.get("detail", ""))})
    return json.dumps(clean, separators=(",", ":"))


def _connect(path: str, synchronous: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.create_function("iso_epoch", 1, iso_epoch, deterministic=True)
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal" and path != ":memory:":
            raise HistoryError(f"{path}: SQLite refused WAL mode.")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise HistoryError(f"{path} is not a usable history database: {exc}") from exc
    except BaseException:
        db.close()
        raise
    return db


def migrate(db: sqlite3.Connection) -> int:
    """Bring the file to ``SCHEMA_VERSION``; returns the version it had. Each step is one
    transaction that also bumps ``user_version``, so a kill leaves a whole, older version."""
    found = version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(f"The history database has schema version {version}, newer than "
                           f"this software ({SCHEMA_VERSION}); update the software.")
    while version < SCHEMA_VERSION:
        try:
            db.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[version]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise HistoryError(f"Upgrading the history database to schema version "
                               f"{version + 1} failed, it stays at {version}: {exc}") from exc
        version += 1
    return found


def _is_full(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or "database or disk is full" in str(exc))


class History(FollowUpRecords):
    """The history store. ``retention_days=None`` keeps everything; ``max_bytes`` caps the file
    (SQLite's ``max_page_count``) so the log can never fill the SD card the config lives on."""

    def __init__(self, path: str | Path, retention_days: int | None = DEFAULT_RETENTION_DAYS,
                 *, synchronous: str = "FULL", max_bytes: int | None = None) -> None:
        if retention_days is not None and retention_days < 1:
            raise ValueError("retention_days must be at least 1 (or None to keep everything)")
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError("synchronous must be FULL, NORMAL or EXTRA")
        self.path, self.retention_days = str(path), retention_days
        self._db = _connect(self.path, synchronous)
        try:
            self.migrated_from = migrate(self._db)
        except BaseException:
            self._db.close()
            raise
        if max_bytes is not None:
            page = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page)}")
        self._lock = threading.Lock()
        if self.path == ":memory:":
            self._reader, self._read_lock = self._db, self._lock
        else:
            self._reader, self._read_lock = _connect(self.path, synchronous), threading.Lock()
            self._reader.execute("PRAGMA query_only = 1")

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The writer connection; a failed write is rolled back whole and a full disk becomes
        ``HistoryFull`` (SQLite guarantees the rows stored before stay intact)."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if _is_full(exc):
                    raise HistoryFull() from exc
                raise HistoryError(f"The call history could not be written: {exc}") from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on the reader connection (statistics use this)."""
        with self._read_lock:
            return self._reader.execute(sql, params).fetchall()

    # -- calls ----------------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> None:
        """Store a finished call; ``record["events"]`` (optional) is its timeline."""
        values = [record.get(c) for c in COLUMNS]
        values += [iso_epoch(record.get("started")), events_json(record.get("events"))]
        with self._writing() as db:
            db.execute(INSERT_CALL, values)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """Finished calls, newest first."""
        return [dict(zip(COLUMNS, row, strict=True)) for row in self.query(SELECT_CALLS, (limit,))]

    def timeline(self, call_id: str) -> list[dict[str, str]] | None:
        """The call's events in the order given to ``append``; ``None`` for an unknown call."""
        rows = self.query("SELECT events FROM calls WHERE id = ?", (call_id,))
        if not rows:
            return None
        return json.loads(rows[0][0]) if rows[0][0] else []

    # -- SMS ------------------------------------------------------------------------------------

    def append_sms(self, direction: str, line: str, number: str, text: str, at: str,
                   status: str) -> None:
        self.add_sms(direction, line, number, text, at, status)

    def recent_sms(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.query(f"SELECT {', '.join(SMS_COLUMNS)} FROM sms "  # noqa: S608
                          "ORDER BY seq DESC LIMIT ?", (limit,))
        return [dict(zip(SMS_COLUMNS, row, strict=True)) for row in rows]

    # -- configuration changes ------------------------------------------------------------------

    def append_change(self, at: str, who: str, action: str, kind: str, rid: str,
                      name: str) -> None:
        with self._writing() as db:
            db.execute("INSERT INTO changes (at, who, action, kind, rid, name) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (at, who, action, kind, rid, name))
            db.execute("DELETE FROM changes WHERE seq <= "
                       "(SELECT MAX(seq) FROM changes) - ?", (CHANGES_KEPT,))

    def recent_changes(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.query("SELECT at, who, action, kind, rid, name FROM changes "
                          "ORDER BY seq DESC LIMIT ?", (limit,))
        return [dict(zip(CHANGE_COLUMNS, row, strict=True)) for row in rows]

    # -- voicemail ------------------------------------------------------------------------------

    def add_voicemail(self, vid: str, line: str, caller: str | None, at: str) -> None:
        with self._writing() as db:
            db.execute("INSERT OR IGNORE INTO voicemail (id, line, caller, at) "
                       "VALUES (?, ?, ?, ?)", (vid, line, caller, at))

    def set_voicemail_seconds(self, vid: str, seconds: float) -> None:
        """The recorder reports the length when it stops (possibly after the call ended)."""
        with self._writing() as db:
            db.execute("UPDATE voicemail SET seconds = ? WHERE id = ?", (round(seconds, 1), vid))

    def voicemails(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, line, caller, at, seconds, heard FROM voicemail "
                          "ORDER BY at DESC LIMIT ?", (limit,))
        return [_voicemail_row(row) for row in rows]

    def voicemail(self, vid: str) -> dict[str, Any] | None:
        rows = self.query("SELECT id, line, caller, at, seconds, heard FROM voicemail "
                          "WHERE id = ?", (vid,))
        return _voicemail_row(rows[0]) if rows else None

    def mark_voicemail_heard(self, vid: str, heard: bool = True) -> bool:
        with self._writing() as db:
            cursor = db.execute("UPDATE voicemail SET heard = ? WHERE id = ?", (int(heard), vid))
        return cursor.rowcount == 1

    def delete_voicemail(self, vid: str) -> bool:
        with self._writing() as db:
            cursor = db.execute("DELETE FROM voicemail WHERE id = ?", (vid,))
        return cursor.rowcount == 1

    # -- consent --------------------------------------------------------------------------------

    def add_consent(self, number: str, line: str, channel: str, text: str, at: str,
                    call_id: str | None = None, *, granted: bool = True,
                    expires: str | None = None, message: int | None = None) -> int:
        """Record that ``number`` agreed to ``text`` (or, ``granted=False``, took consent back)
        by key press (``dtmf``) or reply (``sms``); returns the record's id once durable."""
        if channel not in CONSENT_CHANNELS:
            raise ValueError(f"consent channel must be one of {CONSENT_CHANNELS}")
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO consent (number, line, channel, at, text, call_id, granted, "
                "expires, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (number, line, channel, at, text, call_id, int(granted), expires, message))
        return int(cursor.lastrowid or 0)

    def consents(self, limit: int = 100, number: str | None = None) -> list[dict[str, Any]]:
        """Consent records, newest first, optionally of one number."""
        where, params = ("WHERE number = ? ", [number]) if number is not None else ("", [])
        rows = self.query(f"SELECT {', '.join(CONSENT_COLUMNS)} FROM consent "  # noqa: S608
                          f"{where}ORDER BY id DESC LIMIT ?", [*params, limit])
        return [dict(zip(CONSENT_COLUMNS, row, strict=True), granted=bool(row[7]))
                for row in rows]

    def consent(self, record_id: int) -> dict[str, Any] | None:
        rows = self.query(f"SELECT {', '.join(CONSENT_COLUMNS)} FROM consent "  # noqa: S608
                          "WHERE id = ?", (record_id,))
        return dict(zip(CONSENT_COLUMNS, rows[0], strict=True), granted=bool(rows[0][7])) \
            if rows else None

    # -- retention and integrity ----------------------------------------------------------------

    def purge(self, older_than: datetime) -> Purged:
        """Delete calls, SMS, voicemail entries, finished callbacks, closed conversations and
        superseded consent from before the cutoff.

        The newest consent of each number stays whatever its age: it is the proof behind
        whatever is still done with that number. Deletes run in batches of ``PURGE_BATCH`` rows,
        each its own transaction, so the core's appends wait at most one batch.
        """
        cutoff = iso_epoch(older_than)
        calls = self._purge_batches(
            "DELETE FROM calls WHERE seq IN (SELECT seq FROM calls "
            "WHERE started_epoch < ? LIMIT ?)", cutoff)
        sms = self._purge_batches(
            "DELETE FROM sms WHERE seq IN (SELECT seq FROM sms "
            "WHERE iso_epoch(at) < ? LIMIT ?)", cutoff)
        consent = self._purge_batches(
            "DELETE FROM consent WHERE id IN (SELECT id FROM consent WHERE iso_epoch(at) < ? "
            "AND id NOT IN (SELECT max(id) FROM consent GROUP BY number) LIMIT ?)", cutoff)
        with self._writing() as db:
            gone = [r[0] for r in db.execute(
                "DELETE FROM voicemail WHERE iso_epoch(at) < ? RETURNING id", (cutoff,))]
            db.execute("DELETE FROM callbacks WHERE state NOT IN ('waiting', 'ringing', "
                       "'calling') AND iso_epoch(updated) < ?", (cutoff,))
            db.execute("DELETE FROM conversations WHERE state = 'closed' "
                       "AND iso_epoch(closed) < ?", (cutoff,))
        return Purged(calls=calls, sms=sms, consent=consent, voicemails=sorted(gone))

    def _purge_batches(self, sql: str, cutoff: float | None) -> int:
        total = 0
        while True:
            with self._writing() as db:
                deleted = db.execute(sql, (cutoff, PURGE_BATCH)).rowcount
            total += deleted
            if deleted < PURGE_BATCH:
                return total

    def purge_expired(self, now: datetime) -> Purged:
        """Apply the retention setting (a daily timer or the core calls this; no thread here)."""
        if self.retention_days is None:
            return Purged()
        return self.purge(now - timedelta(days=self.retention_days))

    def check(self) -> list[str]:
        """Problems found by ``PRAGMA quick_check`` and in the schema; empty means healthy."""
        problems: list[str] = []
        try:
            found = [row[0] for row in self.query("PRAGMA quick_check")]
            if found != ["ok"]:
                problems += found
            version = self.query("PRAGMA user_version")[0][0]
            if version != SCHEMA_VERSION:
                problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
            names = {r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type='table'")}
            problems += [f"table {t} is missing" for t in TABLES if t not in names]
        except sqlite3.DatabaseError as exc:
            problems.append(f"cannot read the database: {exc}")
        return problems

    def close(self) -> None:
        if self._reader is not self._db:
            with self._read_lock:
                self._reader.close()
        with self._lock:
            self._db.close()


def _voicemail_row(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(VOICEMAIL_COLUMNS, row, strict=True)) | {"heard": bool(row[5])}
