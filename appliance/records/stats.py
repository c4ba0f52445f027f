"""Call statistics for the dashboard: per local day or hour, per team, per agent.

Grouping by local day or hour must follow the schedule's time zone across DST (2026-10-25 has
25 hours in Madrid), and a fixed UTC offset in SQL cannot do that. So the bucket bounds are
computed here, exactly, as UTC epoch seconds, and SQLite aggregates each bucket with a range
scan of the ``calls_started`` index (``History`` stores ``started_epoch`` for this): one query,
no row comes back to Python, and the cost follows the calls in the range, not the table size.

Definitions (every call record counts once, in the bucket of its ``started`` time):

* ``offered``: all calls; ``answered``, ``abandoned``, ``busy``, ``closed`` (out of hours),
  ``message`` (an informational message inside hours ended the call), ``voicemail``,
  ``callback_requested`` and ``failed`` count the outcomes and add up to ``offered``.
* ``average_wait_s``: the mean queue wait of answered calls (average speed of answer, Asterisk's
  ``Holdtime``); ``None`` without answered calls.
* ``longest_wait_s``: the longest queue wait of any call (abandoned ones included).
* ``service_level``: Asterisk app_queue's ``ServicelevelPerf``, the share of answered calls
  whose wait was ``<= service_level_s``: ``answered_within / answered``; ``None`` without
  answered calls. It ignores abandoned calls, so it is paired with
* ``service_level_perf2``: Asterisk's ``ServicelevelPerf2``, ``(answered_within +
  abandoned_within) / (answered + abandoned)``: a caller who hung up within the threshold
  counts as served in time, one who hung up later as a miss.

Per team, calls that never reached a team (busy line, closed, menu only) form the ``None`` row.
Per agent, a record names the agent who took the call, so an agent's ``offered`` is the calls
that agent answered; all calls no agent took are in the ``None`` row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import ValidationError
from appliance.records.history import History

GROUPINGS = ("day", "hour", "team", "agent")
OUTCOMES = ("answered", "abandoned", "busy", "closed", "message", "voicemail",
            "callback_requested", "failed")
MAX_DAYS = {"day": 800, "hour": 31, "team": 800, "agent": 800}  # keeps a reply small and quick
DEFAULT_SERVICE_LEVEL_S = 20
GRID_S = 900  # every time zone offset in use is a multiple of 15 minutes

AGGREGATES = ", ".join([
    "count(c.seq)",
    *(f"sum(c.outcome = '{o}')" for o in OUTCOMES),
    "sum(CASE WHEN c.outcome = 'answered' THEN c.wait_s END)",
    "max(c.wait_s)",
    "sum(c.outcome = 'answered' AND c.wait_s <= ?)",
    "sum(c.outcome = 'abandoned' AND c.wait_s <= ?)",
])


def zone(name: str) -> ZoneInfo:
    """The named IANA time zone, or a 400 that says what is wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"tz": f"Unknown time zone '{name}'; use a name such as "
                                     "Europe/Madrid."}) from None


def day_buckets(start: date, end: date, tz: tzinfo) -> list[tuple[str, float, float]]:
    """``(label, lo, hi)`` per local day from ``start`` to ``end`` inclusive, UTC seconds."""
    out, day = [], start
    while day <= end:
        lo = datetime.combine(day, time(), tz).timestamp()
        hi = datetime.combine(day + timedelta(days=1), time(), tz).timestamp()
        out.append((day.isoformat(), lo, hi))
        day += timedelta(days=1)
    return out


def hour_buckets(start: date, end: date, tz: tzinfo) -> list[tuple[str, float, float]]:
    """One bucket per local clock hour: 25 on the day clocks go back, 23 when they go forward.

    Bounds are the instants whose local time is on the hour, found on a 15-minute UTC grid so
    zones with :30 and :45 offsets work too. Labels carry the offset, so the repeated 02:00 of
    a fall-back night gives two distinct keys.
    """
    lo = datetime.combine(start, time(), tz).timestamp()
    hi = datetime.combine(end + timedelta(days=1), time(), tz).timestamp()
    bounds = [lo]
    t = lo - lo % GRID_S + GRID_S
    while t < hi:
        local = datetime.fromtimestamp(t, tz)
        if local.minute == 0 and local.second == 0:
            bounds.append(t)
        t += GRID_S
    bounds.append(hi)
    return [(datetime.fromtimestamp(a, tz).isoformat(timespec="minutes"), a, b)
            for a, b in pairwise(bounds)]


def _metrics(values: Sequence[Any]) -> dict[str, Any]:
    offered, *rest = values
    counts = dict(zip(OUTCOMES, (int(v or 0) for v in rest[:len(OUTCOMES)]), strict=True))
    answered_wait, longest, answered_in, abandoned_in = rest[len(OUTCOMES):]
    answered, abandoned = counts["answered"], counts["abandoned"]
    answered_in, abandoned_in = int(answered_in or 0), int(abandoned_in or 0)
    return {
        "offered": offered, **counts,
        "average_wait_s": round(answered_wait / answered, 1) if answered else None,
        "longest_wait_s": None if longest is None else round(longest, 1),
        "service_level": round(answered_in / answered, 4) if answered else None,
        "service_level_perf2": (round((answered_in + abandoned_in) / (answered + abandoned), 4)
                                if answered + abandoned else None),
    }


def _filters(team: str | None, agent: str | None) -> tuple[str, list[str]]:
    sql, params = "", []
    for column, value in (("team", team), ("agent", agent)):
        if value is not None:
            sql += f" AND c.{column} = ?"
            params.append(value)
    return sql, params


def _by_time(history: History, buckets: list[tuple[str, float, float]], sl: float,
             team: str | None, agent: str | None, tz: tzinfo) -> list[dict[str, Any]]:
    """One query: the buckets are a VALUES table left-joined to an index range each."""
    where, extra = _filters(team, agent)
    values = ", ".join("(?, ?, ?)" for _ in buckets)
    sql = (f"WITH b(k, lo, hi) AS (VALUES {values}) "  # noqa: S608 - fixed SQL, ? for data
           f"SELECT b.k, {AGGREGATES} FROM b LEFT JOIN calls c "
           f"ON c.started_epoch >= b.lo AND c.started_epoch < b.hi{where} "
           "GROUP BY b.k ORDER BY b.k")
    params: list[Any] = []
    for index, (_, lo, hi) in enumerate(buckets):
        params += [index, lo, hi]
    rows = history.query(sql, [*params, sl, sl, *extra])
    return [{"key": buckets[row[0]][0],
             "start": datetime.fromtimestamp(buckets[row[0]][1], tz).isoformat(),
             "end": datetime.fromtimestamp(buckets[row[0]][2], tz).isoformat(),
             **_metrics(row[1:])} for row in rows]


def _by_column(history: History, column: str, lo: float, hi: float, sl: float,
               team: str | None, agent: str | None) -> list[dict[str, Any]]:
    where, extra = _filters(team, agent)
    sql = (f"SELECT c.{column}, {AGGREGATES} FROM calls c "  # noqa: S608 - fixed SQL
           f"WHERE c.started_epoch >= ? AND c.started_epoch < ?{where} "
           f"GROUP BY c.{column} ORDER BY c.{column} IS NULL, c.{column}")
    rows = history.query(sql, [sl, sl, lo, hi, *extra])
    return [{"key": row[0], **_metrics(row[1:])} for row in rows]


def summary(history: History, start: date, end: date, *, tz: tzinfo | str, by: str = "day",
            service_level_s: float = DEFAULT_SERVICE_LEVEL_S, team: str | None = None,
            agent: str | None = None) -> list[dict[str, Any]]:
    """Statistics of calls started from local ``start`` to local ``end`` (both whole days).

    ``by="day"``/``"hour"`` returns every bucket, empty ones too, so a chart has no holes;
    ``by="team"``/``"agent"`` returns the groups that had calls. ``team``/``agent`` narrow the
    calls counted (the ``calls_team``/``calls_agent`` indexes serve those).
    """
    if isinstance(tz, str):
        tz = zone(tz)
    if by not in GROUPINGS:
        raise ValidationError({"by": f"Must be one of {', '.join(GROUPINGS)}."})
    if end < start:
        raise ValidationError({"to": "Must not be before 'from'."})
    if (end - start).days + 1 > MAX_DAYS[by]:
        raise ValidationError({"to": f"At most {MAX_DAYS[by]} days when grouping by {by}."})
    if service_level_s < 0:
        raise ValidationError({"service_level_s": "Must be zero or more seconds."})
    if by in ("day", "hour"):
        buckets = (day_buckets if by == "day" else hour_buckets)(start, end, tz)
        return _by_time(history, buckets, service_level_s, team, agent, tz)
    lo = datetime.combine(start, time(), tz).timestamp()
    hi = datetime.combine(end + timedelta(days=1), time(), tz).timestamp()
    return _by_column(history, by, lo, hi, service_level_s, team, agent)


def total(history: History, start: date, end: date, *, tz: tzinfo,
          service_level_s: float = DEFAULT_SERVICE_LEVEL_S) -> dict[str, Any]:
    """The same figures for the whole range at once (local days, both included)."""
    lo = datetime.combine(start, time(), tz).timestamp()
    hi = datetime.combine(end + timedelta(days=1), time(), tz).timestamp()
    return _by_time(history, [("total", lo, hi)], service_level_s, None, None, tz)[0]


# -- what the core counts from the history -------------------------------------------------------


def answered_by_agent(history: History, since: float) -> dict[str, int]:
    """Calls each agent answered from ``since`` (UTC epoch seconds) on: ``fewest_calls``."""
    return dict(history.query(
        "SELECT agent, count(*) FROM calls WHERE started_epoch >= ? AND outcome = 'answered' "
        "AND agent IS NOT NULL GROUP BY agent", (since,)))


def outcomes_since(history: History, since: float) -> dict[str, int]:
    """Calls by outcome from ``since`` on, callback attempts left out: the daily summary."""
    return dict(history.query(
        "SELECT outcome, count(*) FROM calls WHERE started_epoch >= ? "
        "AND reason NOT LIKE 'callback%' GROUP BY outcome", (since,)))


def voicemails_since(history: History, since: float) -> int:
    return history.query("SELECT count(*) FROM voicemail WHERE iso_epoch(at) >= ?",
                         (since,))[0][0]
