"""CPU and timing of the audio engine: hold audio on one port, a bridged call on two.

Prints figures and whether they meet the budget (no underrun, jitter < 10 ms); asserts nothing.
Ports are ALSA ``null`` devices through the real pyalsaaudio code when it is installed (playback
and capture both return at once: nothing paces), else in-memory ports.

1. CPU seconds per call-minute: 3,000 periods (one minute of audio) per port run as fast as
   possible on a simulated clock (``StepPacer``: a tick costs nothing, ``now()`` advances 20 ms),
   the two ports of a bridge taking turns in batches of 50 ticks (running both flat out at once
   would mostly measure the two threads fighting over the GIL, which real 20 ms ticks never do);
   ``time.process_time()`` of the whole process over the run. This is the cost of the audio work
   itself, without the 50 wake-ups a second per port of real pacing (part 2 includes them).
2. A real-time bridged call paced by ``MonotonicPacer`` for ``--seconds`` (30 by default):
   each port's pacer reports its worst and mean lateness (how long after its due time on the
   absolute 20 ms schedule a tick was released) and the CPU of the run per call-minute. A tick
   later than the 40 ms silence cushion an ``AlsaPort`` keeps in the card would underrun a real
   card: those are counted.
3. A 10-minute bridged call (30,000 periods per port) on the simulated clock, the two ports
   ticking alternately as they do in real time: per-tick processing time (from the pacer
   releasing a tick to the worker asking for the next one: capture read, FIFO, playback write,
   locks). While this stays under 20 ms a real ``MonotonicPacer`` never falls behind its
   schedule, so a call's lateness is part 2's wake-up latency, not something that grows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware.audio.format import LINE_FORMAT, PERIOD_S
from hardware.audio.mixer import AudioEngine
from hardware.audio.pacing import MonotonicPacer, StepPacer
from hardware.audio.ports import AlsaPort, MemoryPort
from hardware.audio.sources import Tone

MINUTE = round(60 / PERIOD_S)
BATCH = 50                     # ticks a worker runs before the other port's worker takes over
JITTER_BUDGET_S = 0.010
CUSHION_S = 0.040              # AlsaPort's 2 prefilled periods


def have_alsa() -> bool:
    try:
        import alsaaudio  # noqa: F401
    except ImportError:
        return False
    return True


def make_ports(kind: str) -> dict:
    names = ("line:l1", "station:s1")
    if kind == "alsa-null":
        return {name: AlsaPort(name, "null", "null") for name in names}
    return {name: MemoryPort(name, capture=bytes(LINE_FORMAT.period_bytes * 3 * MINUTE))
            for name in names}


class ByPort:
    """A pacer factory remembering each worker's pacer by port (the worker thread's name)."""

    def __init__(self, make) -> None:
        self.make = make
        self.pacers: dict[str, object] = {}
        self.ready = threading.Condition()

    def __call__(self):
        pacer = self.make()
        with self.ready:
            self.pacers[threading.current_thread().name.removeprefix("audio-")] = pacer
            self.ready.notify_all()
        return pacer

    def get(self, port: str):
        with self.ready:
            self.ready.wait_for(lambda: port in self.pacers, 5)
            return self.pacers[port]


class CushionPacer(MonotonicPacer):
    """A MonotonicPacer that also counts ticks later than the card's 40 ms cushion."""

    def __init__(self) -> None:
        super().__init__(PERIOD_S, late_threshold_s=JITTER_BUDGET_S)
        self.beyond_cushion = 0

    def _account(self, late: float) -> None:
        super()._account(late)
        self.beyond_cushion += late > CUSHION_S


class TimedStepPacer(StepPacer):
    """A StepPacer that times each tick's processing (release to the next wait_next)."""

    def __init__(self) -> None:
        super().__init__(budget=0)
        self.processing = array("d")
        self._released = 0.0

    def wait_next(self) -> bool:
        if self._released:
            self.processing.append(time.perf_counter() - self._released)
        more = super().wait_next()
        self._released = time.perf_counter()
        return more


def engine_on(ports: dict, factory, tmp: Path) -> AudioEngine:
    engine = AudioEngine(ports, {}.__getitem__, recordings=tmp, pacer_factory=factory)
    engine.start(lambda event: None)
    return engine


def cpu_per_minute(kind: str, bridged: bool, tmp: Path) -> float:
    factory = ByPort(lambda: StepPacer(budget=0))
    engine = engine_on(make_ports(kind), factory, tmp)
    ports = ["line:l1", "station:s1"] if bridged else ["line:l1"]
    if bridged:
        engine.bridge(*ports)
    else:
        engine.play("line:l1", Tone.HOLD, loop=True)
    pacers = [factory.get(port) for port in ports]
    start = time.process_time()
    for _ in range(MINUTE // BATCH):    # one worker at a time, as in real time: no GIL fight
        for pacer in pacers:
            pacer.step(BATCH, timeout=60)
    cpu = time.process_time() - start
    engine.close()
    return cpu


def realtime_call(kind: str, seconds: float, tmp: Path) -> None:
    ports = make_ports(kind)
    factory = ByPort(CushionPacer)
    engine = engine_on(ports, factory, tmp)
    start_cpu = time.process_time()
    engine.bridge("line:l1", "station:s1")
    time.sleep(seconds)             # measuring a real-time run, not synchronising
    cpu = time.process_time() - start_cpu
    engine.close()
    print(f"2. real-time bridged call, {seconds:.0f} s, MonotonicPacer, {kind} ports:")
    print(f"   CPU {cpu / seconds * 60:.3f} s per call-minute "
          f"({cpu / seconds * 100:.2f} % of one core, wake-ups included)")
    for name, pacer in factory.pacers.items():
        worst = pacer.worst_lateness_s
        mean = pacer.total_lateness_s / max(1, pacer.ticks)
        verdict = "OK" if worst < JITTER_BUDGET_S and not pacer.beyond_cushion else "OVER BUDGET"
        print(f"   {name}: {pacer.ticks} ticks, lateness worst {worst * 1000:.2f} ms, "
              f"mean {mean * 1000:.3f} ms; {pacer.late_ticks} ticks > 10 ms, "
              f"{pacer.beyond_cushion} > 40 ms (underrun on a card), "
              f"ALSA underruns {getattr(ports[name], 'underruns', 0)}, "
              f"skipped {pacer.skipped_ticks} -> {verdict}")


def ten_minutes(kind: str, tmp: Path) -> None:
    factory = ByPort(TimedStepPacer)
    engine = engine_on(make_ports(kind), factory, tmp)
    engine.bridge("line:l1", "station:s1")
    pacers = [factory.get("line:l1"), factory.get("station:s1")]
    start = time.perf_counter()
    for _ in range(10 * MINUTE):
        for pacer in pacers:
            pacer.step(1, timeout=10)
    wall = time.perf_counter() - start
    engine.close()
    print(f"3. simulated 10-minute bridged call ({10 * MINUTE} periods per port, clock +20 ms "
          f"per tick, {kind} ports, ran in {wall:.1f} s):")
    for name, pacer in zip(("line:l1", "station:s1"), pacers, strict=True):
        times = sorted(pacer.processing)
        p999 = times[int(0.999 * (len(times) - 1))]
        print(f"   {name}: per-tick processing max {times[-1] * 1000:.3f} ms, "
              f"p99.9 {p999 * 1000:.3f} ms, median {times[len(times) // 2] * 1000:.3f} ms, "
              f"ticks > 10 ms: {sum(t > JITTER_BUDGET_S for t in times)}, "
              f"> 20 ms (would fall behind): {sum(t > PERIOD_S for t in times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the real-time run")
    args = parser.parse_args()
    kinds = ["alsa-null", "memory"] if have_alsa() else ["memory"]
    with tempfile.TemporaryDirectory() as tmp:
        print("1. CPU per call-minute, simulated clock (3,000 periods per port as fast as "
              "possible, process_time):")
        for kind in kinds:
            hold = cpu_per_minute(kind, False, Path(tmp))
            bridge = cpu_per_minute(kind, True, Path(tmp))
            print(f"   {kind}: hold audio on one port {hold:.3f} s, bridged call (two ports) "
                  f"{bridge:.3f} s")
        realtime_call(kinds[0], args.seconds, Path(tmp))
        ten_minutes(kinds[0], Path(tmp))


if __name__ == "__main__":
    main()
