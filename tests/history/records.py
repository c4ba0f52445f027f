"""Call records shaped like ``CallFlow._record_end`` writes them, and the history layouts from
before schema versions, for the history tests."""

from __future__ import annotations

from typing import Any


def record(cid: str, started: str = "2026-11-25T09:00:00+00:00", **fields: Any) -> dict[str, Any]:
    return {"id": cid, "line": "l1", "caller": "600111222", "started": started,
            "ended": started, "outcome": "answered", "reason": "agent_hangup", "team": "sales",
            "agent": "a1", "wait_s": 0.0, "talk_s": 30.0} | fields


CALLS_V0 = """
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
"""
SMS_V0 = """
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
VOICEMAIL_V0 = """
CREATE TABLE IF NOT EXISTS voicemail (
    id TEXT PRIMARY KEY,
    line TEXT NOT NULL,
    caller TEXT,
    at TEXT NOT NULL,
    seconds REAL,
    heard INTEGER NOT NULL DEFAULT 0
);
"""
# The unversioned layouts, as commits e559daf (calls), b1f907d (+ sms), bca0bc3 (+ voicemail)
# created them: all have user_version 0.
V0_LAYOUTS = {"calls": CALLS_V0, "calls+sms": CALLS_V0 + SMS_V0,
              "calls+sms+voicemail": CALLS_V0 + SMS_V0 + VOICEMAIL_V0}
