"""Config store read/write cost at a realistic size, and process RSS. Prints figures.

A busy small office: 8 lines, 30 desks and agents, 8 teams, 6 schedules with holidays and
special days, 12 menus. Every write is the real path: validation, reference checks, one
atomic durable file replace (temp file, fsync, rename, directory fsync).
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.config.store import ConfigStore

WRITES = 200


def populate(store: ConfigStore) -> None:
    for n in range(30):
        store.create("stations", {"id": f"desk-{n}", "name": f"Desk {n}"})
        store.create("agents", {"id": f"agent-{n}", "name": f"Agent {n}", "station": f"desk-{n}"})
    for t in range(8):
        members = [f"agent-{(t * 4 + k) % 30}" for k in range(6)]
        store.create("teams", {"id": f"team-{t}", "name": f"Team {t}", "members": members,
                               "strategy": "round_robin"})
    hours = [["09:00", "14:00"], ["16:00", "19:00"]]
    for s in range(6):
        store.create("schedules", {
            "id": f"hours-{s}", "name": f"Hours {s}", "timezone": "Europe/Madrid",
            "weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), hours),
            "holidays": {"country": "ES", "subdivision": "MD"},
            "closed_dates": [f"2026-12-{d:02d}" for d in (24, 31)],
            "special": [{"date": "2026-12-30", "intervals": [["09:00", "13:00"]]}],
            "closed_action": {"action": "message", "text": "Cerrado. {hours}"}})
    for m in range(12):
        store.create("menus", {"id": f"menu-{m}", "name": f"Menu {m}",
                               "prompt": {"text": "Pulse 1 para ventas, 2 para soporte."},
                               "options": {str(k): {"team": f"team-{(m + k) % 8}"}
                                           for k in range(1, 5)}})
    for n in range(8):
        store.create("lines", {"id": f"line-{n}", "name": f"Line {n}",
                               "entry": {"menu": f"menu-{n}"}, "schedule": f"hours-{n % 6}"})


def timed(action, count: int) -> list[float]:
    samples = []
    for i in range(count):
        start = time.perf_counter()
        action(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        store = ConfigStore(path)
        populate(store)
        size_kb = path.stat().st_size / 1024
        writes = timed(lambda i: store.patch("agents", f"agent-{i % 30}",
                                              {"name": f"Agent {i}"}), WRITES)
        reads = timed(lambda i: store.list("teams"), WRITES)
        snapshots = timed(lambda i: store.config(), WRITES)
        store.close()
        opens = timed(lambda i: ConfigStore(path).close(), 20)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"config: {size_kb:.0f} KB file (8 lines, 30 desks/agents, 8 teams, 6 schedules, "
          "12 menus)")
    print(f"config: update one agent (validate + atomic durable write): median "
          f"{statistics.median(writes):.2f} ms, max {max(writes):.2f} ms")
    print(f"config: list teams (JSON documents) median {statistics.median(reads):.3f} ms; "
          f"the core's snapshot median {statistics.median(snapshots) * 1000:.1f} µs")
    print(f"config: open and validate the whole file: median {statistics.median(opens):.1f} ms")
    print(f"config: peak resident memory of this process: {rss:.1f} MB")


if __name__ == "__main__":
    main()
