"""Cost of the call history at 1 000, 100 000 and 1 000 000 records: append, statistics, RSS.

Prints figures; asserts nothing. For each size a fresh database is filled with calls spread
evenly over the two-year retention window (time-ordered, as the core appends them: random
12-hex ids, four teams, twelve agents, a five-event timeline each) in one ``executemany``
transaction, then:

* append: the median and 99th percentile of ``APPENDS`` single ``History.append`` calls, with
  ``synchronous=FULL`` (the chosen setting, one fsync each) and, for comparison, ``NORMAL``;
  the sizes take turns in ``ROUNDS`` rounds so that other disk activity hits them alike;
* statistics: ``appliance.records.stats.summary`` by day over 30 days, by hour over one day, by team
  and by agent over 30 days, and by team over the whole two years (best of ``QUERY_RUNS``);
* the file size, the RSS of a fresh process that opened the history and ran the queries (the
  bulk load's memory would hide it otherwise), and the one-time migration of an
  unversioned (version 0) file of 100 000 calls.

The budget of the issue: the 1 000 000 case within 2x of the 1 000 case.
Run: ``.venv/bin/python bench/history.py`` (about two minutes).
"""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.records import stats
from appliance.records.history import COLUMNS, INSERT_CALL, History, events_json, iso_epoch

SIZES = (1_000, 100_000, 1_000_000)
APPENDS = 2000
ROUNDS = 4
QUERY_RUNS = 5
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SPAN_S = 730 * 86400
TZ = "Europe/Madrid"
TEAMS = ("sales", "support", "billing", "accounts")
AGENTS = tuple(f"a{n}" for n in range(12))
OUTCOME_NAMES = ("answered", "abandoned", "voicemail", "closed", "busy", "callback_requested",
                 "failed")
OUTCOME_WEIGHTS = (70, 10, 8, 6, 4, 1, 1)
LATER = NOW + timedelta(days=7)  # measured appends stay out of the statistics' windows


def call(rng: random.Random, started: datetime) -> dict:
    outcome = rng.choices(OUTCOME_NAMES, OUTCOME_WEIGHTS)[0]
    queued = outcome not in ("closed", "busy")
    wait = round(rng.expovariate(1 / 15), 1) if queued else 0.0
    at = started.isoformat()
    return {"id": f"{rng.getrandbits(48):012x}", "line": "l1",
            "caller": f"6{rng.randrange(10**8):08d}", "started": at,
            "ended": (started + timedelta(seconds=wait + 60)).isoformat(), "outcome": outcome,
            "reason": "agent_hangup", "team": rng.choice(TEAMS) if queued else None,
            "agent": rng.choice(AGENTS) if outcome == "answered" else None, "wait_s": wait,
            "talk_s": 60.0 if outcome == "answered" else 0.0,
            "events": [{"at": at, "kind": k, "detail": "l1"} for k in
                       ("ring", "answered", "menu", "queued", outcome)]}


def fill(path: Path, size: int, rng: random.Random) -> float:
    """``size`` calls, oldest first, in one transaction; returns seconds taken.

    The bulk load skips the WAL and fsyncs (``journal_mode=OFF``) and gets a large cache: it
    only prepares the file; ``History`` reopens it in WAL mode for every measurement.
    """
    History(path).close()  # the schema, through the real migrations
    begun, step = time.perf_counter(), SPAN_S / size
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-65536")
    db.execute("BEGIN")
    oldest = NOW - timedelta(seconds=SPAN_S)
    for chunk in range(0, size, 20_000):
        rows = []
        for n in range(chunk, min(size, chunk + 20_000)):
            record = call(rng, oldest + timedelta(seconds=n * step))
            rows.append([record[c] for c in COLUMNS]
                        + [iso_epoch(record["started"]), events_json(record["events"])])
        db.executemany(INSERT_CALL, rows)
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - begun


def append_costs(paths: dict[int, Path], synchronous: str,
                 rng: random.Random) -> dict[int, tuple[float, float]]:
    """Median and p99 (us) of single appends per size. The sizes take turns in rounds, so a
    burst of disk activity from elsewhere on the machine hits them alike."""
    times: dict[int, list[float]] = {size: [] for size in paths}
    for _ in range(ROUNDS):
        for size, path in paths.items():
            history = History(path, synchronous=synchronous)
            for _ in range(APPENDS // ROUNDS):
                record = call(rng, LATER)
                begun = time.perf_counter()
                history.append(record)
                times[size].append(time.perf_counter() - begun)
            history.close()
    out = {}
    for size, values in times.items():
        values.sort()
        out[size] = (statistics.median(values) * 1e6, values[int(0.99 * len(values))] * 1e6)
    return out


def query_costs(path: Path) -> tuple[dict[str, tuple[float, int]], float]:
    """Best time (ms) of each dashboard query and the calls it counted; the RSS (MB) with the
    history still open afterwards, its caches warm."""
    history, today = History(path), NOW.date()
    month = today - timedelta(days=29)
    queries = {"day, 30 days": (month, "day"), "hour, 1 day": (today, "hour"),
               "team, 30 days": (month, "team"), "agent, 30 days": (month, "agent"),
               "team, 730 days": (today - timedelta(days=729), "team")}
    out = {}
    for name, (start, by) in queries.items():
        best, rows = float("inf"), []
        for _ in range(QUERY_RUNS):
            begun = time.perf_counter()
            rows = stats.summary(history, start, today, tz=TZ, by=by)
            best = min(best, time.perf_counter() - begun)
        out[name] = (best * 1e3, sum(r["offered"] for r in rows))
    rss = rss_mb()[0]
    history.close()
    return out, rss


def queries_in_fresh_process(path: Path) -> tuple[dict[str, tuple[float, int]], float]:
    """``query_costs`` in a new process, so its RSS is the history's, not the bulk load's."""
    done = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--queries", str(path)], capture_output=True, check=True,
        text=True)
    costs, rss = json.loads(done.stdout)
    return {name: tuple(value) for name, value in costs.items()}, rss


def rss_mb() -> tuple[float, float]:
    """Current and peak resident set size of this process, in MB."""
    current = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text()
                   .splitlines() if line.startswith("VmRSS:"))
    return current / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def migration_cost(folder: Path, size: int, rng: random.Random) -> float:
    """Seconds to open a version-0 history of ``size`` calls (the one-time upgrade)."""
    path = folder / "v0.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL "
               "UNIQUE, line TEXT NOT NULL, caller TEXT, started TEXT NOT NULL, ended TEXT NOT "
               "NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', team TEXT, agent "
               "TEXT, wait_s REAL NOT NULL DEFAULT 0, talk_s REAL NOT NULL DEFAULT 0)")
    db.execute("CREATE INDEX calls_ended ON calls (ended)")
    oldest, step = NOW - timedelta(seconds=SPAN_S), SPAN_S / size
    rows = [[call(rng, oldest + timedelta(seconds=n * step))[c] for c in COLUMNS]
            for n in range(size)]
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO calls ({', '.join(COLUMNS)}) "  # noqa: S608 - fixed columns
                   f"VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    db.execute("COMMIT")
    db.close()
    begun = time.perf_counter()
    History(path).close()
    return time.perf_counter() - begun


def main() -> None:
    if sys.argv[1:2] == ["--queries"]:
        print(json.dumps(query_costs(Path(sys.argv[2]))))
        return
    rng = random.Random(2026)
    print(f"sqlite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{APPENDS} appends per figure, statistics in {TZ} ending {NOW.date().isoformat()}")
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        paths = {size: Path(tmp) / f"h{size}.sqlite3" for size in SIZES}
        for size, path in paths.items():
            built = fill(path, size, rng)
            print(f"\n{size:>9,} records: built in {built:.1f} s, file "
                  f"{path.stat().st_size / 1e6:.1f} MB")
            costs, rss = queries_in_fresh_process(path)
            for name, (ms, calls) in costs.items():
                print(f"  stats by {name:<15} {ms:8.1f} ms  ({calls:,} calls counted)")
            print(f"  RSS of a fresh process after opening the history and running these "
                  f"queries: {rss:.1f} MB")
        print()
        for synchronous in ("FULL", "NORMAL"):
            costs = append_costs(paths, synchronous, rng)
            for size, (median, p99) in costs.items():
                print(f"append {synchronous:<6} at {size:>9,}: median {median:6.0f} us, "
                      f"p99 {p99:6.0f} us")
            ratio = costs[SIZES[-1]][0] / costs[SIZES[0]][0]
            print(f"append {synchronous:<6} median 1M/1k ratio: {ratio:.2f} (budget: <= 2)")
        print(f"\nmigrating a version-0 history of 100,000 calls at open: "
              f"{migration_cost(Path(tmp), 100_000, rng):.2f} s")
    current, peak = rss_mb()
    print(f"RSS of this process at the end {current:.1f} MB, peak {peak:.1f} MB (the bulk "
          "load's 64 MB cache and row batches, not the history's own use)")


if __name__ == "__main__":
    main()
