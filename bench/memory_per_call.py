"""Memory per call: does the process keep something for every call it has handled?

A simulated office (in-process fake lines and desks, the real core, history in SQLite) takes
calls one after another: ring, an agent answers, talks a little, hangs up; every fifth caller
hangs up while queued and every tenth finds the line busy. Printed: resident memory after
warm-up and after 1k/5k/10k calls, MB per 1,000 calls after warm-up (budget ≈ 0), and the
largest growths tracemalloc sees between 1k and the end. Audio is the fake (the real engine's
test ports keep what they play, so they cannot show a leak). Asserts nothing.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.core.clock import ManualClock
from appliance.ops.assembly import build_simulated

CHECKPOINTS = (1_000, 5_000, 10_000)
WARM_UP = 200


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def office(data: Path):
    clock = ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    appliance = build_simulated(data, clock)
    store = appliance.store
    store.create("stations", {"id": "s1", "name": "Desk 1"})
    store.create("agents", {"id": "a1", "name": "Agent 1", "station": "s1"})
    store.create("teams", {"id": "t", "name": "Team", "members": ["a1"], "wrap_up_s": 0,
                           "max_wait_s": 0, "max_queue": 0})
    store.create("lines", {"id": "l1", "name": "Line 1", "entry": {"team": "t"}})
    appliance.start()
    appliance.engine.settle()
    return appliance, clock


def one_call(appliance, clock, n: int) -> None:
    hw, settle = appliance.hardware, appliance.engine.settle
    hw.incoming("l1", f"+346{n % 100_000_000:08d}")
    settle()
    if n % 5 == 0:                     # gives up while the desk rings
        clock.advance(3)
        hw.hangup("l1")
        settle()
        return
    hw.offhook("s1")
    settle()
    if n % 10 == 1:                    # a second caller on the busy line
        hw.incoming("l1", "+34699999999")
        settle()
    clock.advance(30)
    hw.onhook("s1")
    settle()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        appliance, clock = office(Path(tmp))
        try:
            for n in range(WARM_UP):
                one_call(appliance, clock, n)
            gc.collect()
            start = rss_mb()
            print(f"memory: after {WARM_UP} warm-up calls {start:.1f} MB")
            tracemalloc.start(10)
            first, at = None, {}
            done = WARM_UP
            for checkpoint in CHECKPOINTS:
                for n in range(done, checkpoint):
                    one_call(appliance, clock, n)
                done = checkpoint
                gc.collect()
                if first is None:
                    first = tracemalloc.take_snapshot()
                at[checkpoint] = rss_mb()
                print(f"memory: after {checkpoint:>6} calls {at[checkpoint]:.1f} MB")
            per_k = (rss_mb() - at[CHECKPOINTS[1]]) / ((done - CHECKPOINTS[1]) / 1000)
            print(f"memory: {per_k:+.3f} MB per 1,000 calls from {CHECKPOINTS[1]:,} to "
                  f"{done:,} calls (budget ~0; tracemalloc runs from {CHECKPOINTS[0]:,})")
            growth = tracemalloc.take_snapshot().compare_to(first, "traceback")
            for stat in growth[:5]:
                ours = [f for f in stat.traceback if "/work/" in f.filename or "appliance" in
                        f.filename or "hardware" in f.filename] or list(stat.traceback)
                where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in ours[-3:])
                print(f"  grew {stat.size_diff / 1e3:+.1f} kB ({stat.count_diff:+d} blocks) "
                      f"at {where}")
        finally:
            appliance.close()


if __name__ == "__main__":
    main()
