"""Finished calls, kept outside the config file in SQLite (WAL) so appends stay cheap.

The call log grows without bound; TinyDB would rewrite the whole file on every insert (see
hardware-and-os.md §7). SQLite's WAL mode with ``synchronous=NORMAL`` survives a process
crash and costs no fsync per call; a power cut can lose only the last moments of history,
never corrupt it. Records are written from the core thread and read from web threads, so the
connection is shared behind a lock.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

COLUMNS = ("id", "line", "caller", "started", "ended", "outcome", "reason", "team", "agent",
           "wait_s", "talk_s")

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
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
);
CREATE INDEX IF NOT EXISTS calls_ended ON calls (ended);
CREATE TABLE IF NOT EXISTS sms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    direction TEXT NOT NULL,
    line TEXT NOT NULL,
    number TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    status TEXT NOT NULL
);
"""
SMS_COLUMNS = ("direction", "line", "number", "text", "at", "status")
VOICEMAIL_SCHEMA = """
CREATE TABLE IF NOT EXISTS voicemail (
    id TEXT PRIMARY KEY,
    line TEXT NOT NULL,
    caller TEXT,
    at TEXT NOT NULL,
    seconds REAL,
    heard INTEGER NOT NULL DEFAULT 0
);
"""
VOICEMAIL_COLUMNS = ("id", "line", "caller", "at", "seconds", "heard")


class History:
    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA + VOICEMAIL_SCHEMA)

    def append(self, record: dict[str, Any]) -> None:
        values = [record.get(c) for c in COLUMNS]
        with self._lock:
            self._db.execute(
                f"INSERT INTO calls ({', '.join(COLUMNS)}) "  # noqa: S608 - fixed column names
                f"VALUES ({', '.join('?' * len(COLUMNS))})", values)

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """Finished calls, newest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM calls "  # noqa: S608 - fixed column names
                "ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    def append_sms(self, direction: str, line: str, number: str, text: str, at: str,
                   status: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO sms (direction, line, number, text, at, status) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (direction, line, number, text, at,
                                                           status))

    def recent_sms(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT direction, line, number, text, at, status FROM sms "
                "ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(SMS_COLUMNS, row, strict=True)) for row in rows]

    def add_voicemail(self, vid: str, line: str, caller: str | None, at: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO voicemail (id, line, caller, at) "
                             "VALUES (?, ?, ?, ?)", (vid, line, caller, at))

    def set_voicemail_seconds(self, vid: str, seconds: float) -> None:
        """The recorder reports the length when it stops (possibly after the call ended)."""
        with self._lock:
            self._db.execute("UPDATE voicemail SET seconds = ? WHERE id = ?",
                             (round(seconds, 1), vid))

    def voicemails(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, line, caller, at, seconds, heard FROM voicemail "
                "ORDER BY at DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(VOICEMAIL_COLUMNS, row, strict=True)) | {"heard": bool(row[5])}
                for row in rows]

    def mark_voicemail_heard(self, vid: str, heard: bool = True) -> bool:
        with self._lock:
            cursor = self._db.execute("UPDATE voicemail SET heard = ? WHERE id = ?",
                                      (int(heard), vid))
        return cursor.rowcount == 1

    def delete_voicemail(self, vid: str) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM voicemail WHERE id = ?", (vid,))
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()
