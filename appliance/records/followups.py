"""What the box owes callers after a call, kept in the history: callbacks, SMS conversations,
and why each text was sent.

A callback and a conversation are promises that must survive a power cut: the core writes each
change here (``synchronous=FULL``, like a call's record) before it tells anyone, and reloads what
is still open when it starts. The methods are mixed into ``History`` so the same two
connections and the same write lock serve them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

CALLBACK_COLUMNS = ("id", "number", "line", "team", "state", "attempts", "requested", "place",
                    "next_at", "consent", "call_id", "result", "updated")
CONVERSATION_COLUMNS = ("id", "line", "number", "team", "agent", "state", "opened", "last_at",
                        "closed", "closed_by")
MESSAGE_COLUMNS = ("seq", "direction", "text", "at", "status")
OPEN_CALLBACKS = ("waiting", "ringing", "calling")

# Version 4: callbacks, SMS conversations, what each text was for (``purpose``) and which
# conversation it belongs to; a consent by SMS names the text it answered (``message``).
V4 = (
    """CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    line TEXT NOT NULL,
    team TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    requested TEXT NOT NULL,
    place TEXT NOT NULL,
    next_at TEXT,
    consent INTEGER,
    call_id TEXT,
    result TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL
)""",
    "CREATE INDEX callbacks_state ON callbacks (state, place)",
    """CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    line TEXT NOT NULL,
    number TEXT NOT NULL,
    team TEXT,
    agent TEXT,
    state TEXT NOT NULL,
    opened TEXT NOT NULL,
    last_at TEXT NOT NULL,
    closed TEXT,
    closed_by TEXT
)""",
    "CREATE INDEX conversations_state ON conversations (state, last_at)",
    "ALTER TABLE sms ADD COLUMN purpose TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE sms ADD COLUMN conversation TEXT",
    "CREATE INDEX sms_number ON sms (number, seq)",
    "CREATE INDEX sms_conversation ON sms (conversation, seq)",
    "ALTER TABLE consent ADD COLUMN message INTEGER",
)


class FollowUpRecords:
    """Callbacks, conversations and texts by purpose (mixed into ``History``)."""

    _writing: Callable[[], AbstractContextManager[sqlite3.Connection]]
    query: Callable[..., list[tuple[Any, ...]]]

    # -- texts ----------------------------------------------------------------------------------

    def add_sms(self, direction: str, line: str, number: str, text: str, at: str, status: str,
                *, purpose: str = "", conversation: str | None = None) -> int:
        """Keep a text; returns its sequence number (a consent reply names the one it answers)."""
        with self._writing() as db:
            cursor = db.execute(
                "INSERT INTO sms (direction, line, number, text, at, status, purpose, "
                "conversation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (direction, line, number, text, at, status, purpose, conversation))
        return int(cursor.lastrowid or 0)

    def last_sms_to(self, number: str, purposes: Sequence[str]) -> dict[str, Any] | None:
        """The newest text the box sent (or tried to) ``number`` for one of ``purposes``."""
        marks = ", ".join("?" * len(purposes))
        rows = self.query(
            f"SELECT seq, line, text, at, status, purpose FROM sms "  # noqa: S608
            f"WHERE number = ? AND direction = 'out' AND purpose IN ({marks}) "
            f"ORDER BY seq DESC LIMIT 1", [number, *purposes])
        keys = ("seq", "line", "text", "at", "status", "purpose")
        return dict(zip(keys, rows[0], strict=True)) if rows else None

    def sms_since(self, since: float, purpose: str | None = None) -> list[dict[str, Any]]:
        """Texts from ``since`` (UTC epoch seconds) on, oldest first."""
        rows = self.query("SELECT direction, line, number, text, at, status, purpose FROM sms "
                          "WHERE iso_epoch(at) >= ? AND (? IS NULL OR purpose = ?) "
                          "ORDER BY seq", (since, purpose, purpose))
        keys = ("direction", "line", "number", "text", "at", "status", "purpose")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- callbacks --------------------------------------------------------------------------------

    def save_callback(self, record: Mapping[str, Any]) -> None:
        values = [record.get(c) for c in CALLBACK_COLUMNS]
        with self._writing() as db:
            db.execute(f"INSERT OR REPLACE INTO callbacks ({', '.join(CALLBACK_COLUMNS)}) "  # noqa: S608
                       f"VALUES ({', '.join('?' * len(CALLBACK_COLUMNS))})", values)

    def callbacks(self, limit: int = 100, *, open_only: bool = False) -> list[dict[str, Any]]:
        """Callbacks, open ones first (in queue order), then the rest newest first."""
        where = f"WHERE state IN ({', '.join('?' * len(OPEN_CALLBACKS))}) " if open_only else ""
        params = list(OPEN_CALLBACKS) if open_only else []
        rows = self.query(
            f"SELECT {', '.join(CALLBACK_COLUMNS)} FROM callbacks {where}"  # noqa: S608
            f"ORDER BY state NOT IN ('waiting', 'ringing', 'calling'), "
            f"CASE WHEN state IN ('waiting', 'ringing', 'calling') THEN place END, "
            f"updated DESC LIMIT ?", [*params, limit])
        return [dict(zip(CALLBACK_COLUMNS, row, strict=True)) for row in rows]

    def callback(self, cid: str) -> dict[str, Any] | None:
        rows = self.query(f"SELECT {', '.join(CALLBACK_COLUMNS)} FROM callbacks "  # noqa: S608
                          "WHERE id = ?", (cid,))
        return dict(zip(CALLBACK_COLUMNS, rows[0], strict=True)) if rows else None

    # -- conversations ----------------------------------------------------------------------------

    def save_conversation(self, record: Mapping[str, Any]) -> None:
        values = [record.get(c) for c in CONVERSATION_COLUMNS]
        with self._writing() as db:
            db.execute(
                f"INSERT OR REPLACE INTO conversations ({', '.join(CONVERSATION_COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(CONVERSATION_COLUMNS))})", values)

    def conversations(self, limit: int = 100, *,
                      open_only: bool = False) -> list[dict[str, Any]]:
        """Conversations, open ones first, each with its messages oldest first."""
        where = "WHERE state = 'open' " if open_only else ""
        rows = self.query(
            f"SELECT {', '.join(CONVERSATION_COLUMNS)} FROM conversations {where}"  # noqa: S608
            f"ORDER BY state != 'open', last_at DESC LIMIT ?", (limit,))
        return [dict(zip(CONVERSATION_COLUMNS, row, strict=True)) for row in rows]

    def conversation(self, cid: str) -> dict[str, Any] | None:
        """One conversation with its messages, oldest first."""
        rows = self.query(f"SELECT {', '.join(CONVERSATION_COLUMNS)} "  # noqa: S608
                          "FROM conversations WHERE id = ?", (cid,))
        if not rows:
            return None
        return dict(zip(CONVERSATION_COLUMNS, rows[0], strict=True)) | {
            "messages": self.messages([cid])[cid]}

    def messages(self, cids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The messages of each conversation, oldest first, in one query."""
        found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in cids}
        marks = ", ".join("?" * len(cids))
        for cid, *row in self.query(
                f"SELECT conversation, {', '.join(MESSAGE_COLUMNS)} FROM sms "  # noqa: S608
                f"WHERE conversation IN ({marks}) ORDER BY seq", list(cids)):
            found[cid].append(dict(zip(MESSAGE_COLUMNS, row, strict=True)))
        return found

