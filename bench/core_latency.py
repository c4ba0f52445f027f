"""Event-to-command latency of the core, idle CPU and resident memory of a simulated office.

Prints figures; asserts nothing. Latency: from a line driver posting ``IncomingCall`` to the
core calling that driver's ``answer()``, and from a handset going off hook to the audio bridge,
with 4 lines and 4 handsets configured and other calls in progress.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.core.clock import SystemClock
from appliance.ops.assembly import build_simulated

ROUNDS = 2000
IDLE_SECONDS = 5.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def office(data: Path):
    appliance = build_simulated(data, SystemClock())
    store = appliance.store
    for n in range(1, 5):
        store.create("stations", {"id": f"s{n}", "name": f"Desk {n}"})
        store.create("agents", {"id": f"a{n}", "name": f"Agent {n}", "station": f"s{n}"})
    store.create("teams", {"id": "t", "name": "Team", "strategy": "longest_idle",
                           "members": ["a1", "a2", "a3", "a4"], "wrap_up_s": 0,
                           "max_wait_s": 0, "max_queue": 0})
    for n in range(1, 5):
        store.create("lines", {"id": f"l{n}", "name": f"Line {n}", "entry": {"team": "t"}})
    appliance.start()
    appliance.engine.settle()
    return appliance


def answer_latency(appliance) -> list[float]:
    """Lines 2-4 hold connected calls; line 1 rings in and is hung up ROUNDS times."""
    hw, engine = appliance.hardware, appliance.engine
    for n in (2, 3, 4):
        hw.incoming(f"l{n}", f"60000000{n}")
        engine.settle()
        ringing = next(s for s, h in hw.handsets.items() if h.ringing)
        hw.offhook(ringing)
        engine.settle()
    line = hw.lines["l1"]
    answered = threading.Event()
    stamp = [0.0]
    real_answer = line.answer

    def timed_answer():
        stamp[0] = time.perf_counter()
        answered.set()
        real_answer()

    line.answer = timed_answer
    samples = []
    for _ in range(ROUNDS):
        answered.clear()
        t0 = time.perf_counter()
        line.ring("600111222")
        answered.wait(2)
        samples.append(stamp[0] - t0)
        line.caller_hangs_up()
        engine.settle()
    return samples


def idle_cpu(appliance) -> float:
    for sid in list(appliance.hardware.handsets):
        appliance.hardware.onhook(sid)
    for n in (2, 3, 4):
        appliance.hardware.hangup(f"l{n}")
    appliance.engine.settle()
    start_cpu, start = time.process_time(), time.monotonic()
    time.sleep(IDLE_SECONDS)   # measuring, not synchronising
    return (time.process_time() - start_cpu) / (time.monotonic() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        appliance = office(Path(tmp))
        try:
            samples = answer_latency(appliance)
            cpu = idle_cpu(appliance)
        finally:
            appliance.close()
    ms = [s * 1000 for s in samples]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"core: IncomingCall -> answer() over {ROUNDS} calls, 3 other calls connected: "
          f"p50 {statistics.median(ms):.3f} ms, p99 {percentile(ms, 0.99):.3f} ms, "
          f"max {max(ms):.3f} ms (budget p99 < 5 ms)")
    print(f"core: idle CPU with 4 lines and 4 handsets: {cpu * 100:.2f} % of one core "
          f"(budget < 1 %)")
    print(f"core: peak resident memory of this process: {rss_mb:.1f} MB (budget < 60 MB)")


if __name__ == "__main__":
    main()
