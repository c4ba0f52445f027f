"""URC bytes in → hardware command out, through the real modem driver and the core.

Four pty fake modems (SIMCom SIM7600 dialect) each on a line of a simulated office; three
lines hold connected calls while the fourth rings in repeatedly. Measured: from the fake
modem writing ``RING``/``+CLIP`` to it reading the core's ``ATA``. Also the idle CPU of the
whole process (drivers, fakes and core) with 4 lines and 4 handsets and no calls.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.core.clock import SystemClock
from appliance.ops.assembly import build_simulated
from hardware.fakes.modem import Dialect, FakeModem, Quirks

CALLS = 300
SWITCH_INTERVAL_S = float(sys.argv[1]) if len(sys.argv) > 1 else 0.001
IDLE_SECONDS = 10.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def office(data: Path, modems: list[FakeModem]):
    devices = {f"l{n}": m.path for n, m in enumerate(modems, 1)}
    appliance = build_simulated(data, SystemClock(), line_devices=devices)
    store = appliance.store
    for n in range(1, 5):
        store.create("stations", {"id": f"s{n}", "name": f"Desk {n}"})
        store.create("agents", {"id": f"a{n}", "name": f"Agent {n}", "station": f"s{n}"})
    store.create("teams", {"id": "t", "name": "Team", "members": ["a1", "a2", "a3", "a4"],
                           "wrap_up_s": 0, "max_wait_s": 0, "max_queue": 0})
    for n in range(1, 5):
        store.create("lines", {"id": f"l{n}", "name": f"Line {n}", "entry": {"team": "t"}})
    appliance.start()
    return appliance


def wait(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark set-up did not settle")
        time.sleep(0.001)


def main() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)   # as appliance.ops.cli does for the real process
    quirks = Quirks(split_writes=False, ok_delay_s=(0.0, 0.0), ring_interval_s=5.0)
    modems = [FakeModem(Dialect.SIM7600, name=f"l{n}", quirks=quirks, seed=n)
              for n in range(1, 5)]
    for m in modems:
        m.start()
    with tempfile.TemporaryDirectory() as tmp:
        appliance = office(Path(tmp), modems)
        snap = appliance.engine.snapshot
        try:
            wait(lambda: all(ln.state == "idle" for ln in snap().lines) and len(snap().lines) == 4)
            for busy in modems[:3]:
                busy.ring("+34600000001")
                station = None
                wait(lambda: any(s.ringing for s in snap().stations))
                station = next(s.id for s in snap().stations if s.ringing)
                appliance.hardware.offhook(station)
                busy.wait_for(lambda m: m.call_state == "active")
            samples = ring_to_answer(modems[3], snap)
            for busy in modems[:3]:
                busy.caller_hangs_up()
            wait(lambda: not snap().calls)
            start_cpu, start = time.process_time(), time.monotonic()
            time.sleep(IDLE_SECONDS)       # measuring idle CPU, not synchronising
            idle = (time.process_time() - start_cpu) / (time.monotonic() - start)
        finally:
            appliance.close()
            for m in modems:
                m.close()
    ms = [s * 1000 for s in samples]
    print(f"modem: RING/+CLIP written -> ATA read, {CALLS} calls, 3 other lines in calls: "
          f"p50 {statistics.median(ms):.2f} ms, p99 {percentile(ms, 0.99):.2f} ms, "
          f"max {max(ms):.2f} ms (budget p99 < 5 ms)")
    print(f"modem: idle CPU, 4 modem lines + 4 handsets + the fakes themselves: "
          f"{idle * 100:.2f} % of one core (budget < 1 %)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"modem: peak resident memory of this process: {rss:.1f} MB (budget < 60 MB)")


def ring_to_answer(modem: FakeModem, snap) -> list[float]:
    samples = []
    for _ in range(CALLS):
        answered = modem.commands.count("ATA") + 1
        t0 = time.perf_counter()
        modem.ring("+34600123456")
        modem.wait_for(lambda m, n=answered: m.commands.count("ATA") >= n)
        samples.append(time.perf_counter() - t0)
        wait(lambda: any(c.state == "queued" or c.state == "offered" for c in snap().calls))
        modem.caller_hangs_up()
        wait(lambda: len(snap().calls) == 3)
    return samples


if __name__ == "__main__":
    main()
