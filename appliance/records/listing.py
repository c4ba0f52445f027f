"""Finding finished calls: filters, pages of any length, and every match for an export.

Newest first, by ``seq`` (the rowid, no index needed). A time range uses the
``calls_started`` index on ``started_epoch``; the other filters are exact matches except the
caller, which matches any part of the number. An export walks the matches in batches keyed
by ``seq`` (never ``OFFSET``), so 100,000 rows stream in constant memory and time per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from appliance.records.history import COLUMNS, History

SELECT = f"SELECT seq, {', '.join(COLUMNS)} FROM calls"  # noqa: S608 - fixed columns
EXPORT_BATCH = 2000
MAX_PAGE = 1000


@dataclass(frozen=True)
class CallQuery:
    """Which calls: started from ``start`` (included) to ``end`` (excluded), as UTC epoch
    seconds, and the exact line, team, agent and outcome; ``caller`` is part of a number."""

    start: float | None = None
    end: float | None = None
    line: str | None = None
    team: str | None = None
    agent: str | None = None
    outcome: str | None = None
    caller: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.start is not None:
            clauses.append("started_epoch >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append("started_epoch < ?")
            params.append(self.end)
        for column in ("line", "team", "agent", "outcome"):
            if (value := getattr(self, column)) is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.caller:
            clauses.append("instr(caller, ?) > 0")
            params.append(self.caller)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def find(history: History, query: CallQuery, limit: int = 50,
         offset: int = 0) -> list[dict[str, Any]]:
    """One page of the matching calls, newest first."""
    where, params = query.where()
    rows = history.query(f"{SELECT}{where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                         [*params, min(limit, MAX_PAGE), offset])
    return [_record(row) for row in rows]


def one(history: History, call_id: str) -> dict[str, Any] | None:
    """One call with its timeline (``events``), or None."""
    rows = history.query(f"{SELECT} WHERE id = ?", [call_id])
    if not rows:
        return None
    return _record(rows[0]) | {"events": history.timeline(call_id) or []}


def every(history: History, query: CallQuery) -> Iterator[dict[str, Any]]:
    """All the matching calls, newest first, read ``EXPORT_BATCH`` at a time."""
    where, params = query.where()
    joiner = " AND " if where else " WHERE "
    before = None
    while True:
        keyset = f"{joiner}seq < ?" if before is not None else ""
        rows = history.query(f"{SELECT}{where}{keyset} ORDER BY seq DESC LIMIT ?",
                             [*params, *([before] if before is not None else []),
                              EXPORT_BATCH])
        yield from (_record(row) for row in rows)
        if len(rows) < EXPORT_BATCH:
            return
        before = rows[-1][0]


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(COLUMNS, row[1:], strict=True))
