"""What waiting callbacks cost the core: the time to handle one event when N callbacks wait.

Every event ends with an offer round (``Offers.dispatch``), and a waiting callback is asked
whether it may ring an agent: its retry time, its line's hours (``status_at``) and a free line.
With every agent busy the callbacks stay waiting, which is the worst case: each round looks at
all of them. Measured on the whole appliance (simulated lines that dial, manual clock, history
on disk), as the median time of ``on_core`` round trips that each post a clock tick, with 0,
10, 100 and 500 callbacks waiting behind a busy agent and a line with opening hours.
Prints figures; asserts nothing. Run: ``.venv/bin/python bench/callbacks.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.core.clock import ManualClock  # noqa: E402  (after the path is set)
from appliance.events import Tick  # noqa: E402
from appliance.ops.assembly import build_simulated  # noqa: E402
from tests.office import Office  # noqa: E402

ROUNDS = 300
WEEK = {d: [["09:00", "14:00"], ["15:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def event_time(waiting: int) -> float:
    """Median seconds for the core to handle one tick with ``waiting`` callbacks queued."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        appliance = build_simulated(Path(tmp), clock, diallers=True)
        appliance.start()
        try:
            o = Office(appliance)
            o.add("stations", id="s1", name="Desk")
            o.add("agents", id="a1", name="Ana", station="s1")
            o.add("teams", id="t", name="T", members=["a1"], max_queue=0, max_wait_s=0)
            o.add("schedules", id="week", name="Week", timezone="Europe/Madrid", weekly=WEEK)
            o.add("lines", id="l1", name="Busy", entry={"team": "t"}, schedule="week")
            o.add("lines", id="l2", name="Callers", entry={"team": "t"}, schedule="week")
            o.call("l1", "600000000")
            o.pick_up("s1")                              # the agent is busy throughout
            for n in range(waiting):
                o.call("l2", f"6{n:08d}")
                o.press("l2", "1")
            engine, times = appliance.engine, []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                engine.post(Tick())
                engine.on_core(lambda core: None)
                times.append(time.perf_counter() - start)
            assert sum(1 for c in o.status.calls if c.callback) == waiting
            return statistics.median(times)
        finally:
            appliance.close()


def main() -> None:
    base = event_time(0)
    print(f"one event, no callback waiting: {base * 1e3:.3f} ms (median of {ROUNDS})")
    for waiting in (10, 100, 500):
        took = event_time(waiting)
        print(f"one event, {waiting:3d} callbacks waiting: {took * 1e3:.3f} ms "
              f"({took / base:.1f}x)")


if __name__ == "__main__":
    main()
