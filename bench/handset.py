"""What a ringing desk handset costs, and how fast lifting it stops the bell (ring trip).

Prints figures; asserts nothing. gpiozero MockFactory pins (the same driver as on a Pi): with
PWM pins (``MockPWMPin``: the ring frequency is the pin backend's, as lgpio and RPi.GPIO do it
in C) and with plain pins (the driver toggles F/R itself every half period). CPU is this
process's over ``RING_S`` seconds of Spain's cadence at 25 Hz; ring trip is the time from the
hook pin going high to RM low, over ``TRIPS`` lifts.
Run: ``.venv/bin/python bench/handset.py`` (about a minute).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpiozero.pins.mock import MockFactory, MockPWMPin  # noqa: E402  (after the path is set)

from hardware.handset import Handset, HandsetPins  # noqa: E402

PINS = HandsetPins(hook=27, ring_mode=17, forward_reverse=4)
RING_S = 10
TRIPS = 20


def ringing_cpu(factory: MockFactory) -> tuple[float, bool]:
    handset = Handset("desk", PINS, pin_factory=factory)
    handset.start(lambda event: None)
    try:
        before, start = time.process_time(), time.monotonic()
        handset.ring()
        time.sleep(RING_S)        # a benchmark's measuring window, not a synchronisation
        used = (time.process_time() - before) / (time.monotonic() - start) * 100
        return used, handset.pwm
    finally:
        handset.close()


def ring_trip(factory: MockFactory) -> list[float]:
    handset = Handset("desk", PINS, pin_factory=factory)
    handset.start(lambda event: None)
    rm, hook, samples = factory.pin(PINS.ring_mode), factory.pin(PINS.hook), []
    try:
        for _ in range(TRIPS):
            handset.ring()
            while not rm.state:
                time.sleep(0.0005)
            start = time.perf_counter()
            hook.drive_high()
            while rm.state:
                time.sleep(0.00005)
            samples.append((time.perf_counter() - start) * 1000)
            while handset.ringing:           # the lift counts after 80 ms steady
                time.sleep(0.001)
            hook.drive_low()
            while handset.off_hook:          # and the hang-up after the 0.9 s flash window
                time.sleep(0.01)
        return sorted(samples)
    finally:
        handset.close()


def main() -> None:
    for label, pin_class in (("PWM pins", MockPWMPin), ("plain pins", None)):
        factory = MockFactory(pin_class=pin_class) if pin_class else MockFactory()
        cpu, pwm = ringing_cpu(factory)
        factory.reset()
        trips = ring_trip(factory)
        factory.reset()
        print(f"handset ({label}, {'PWM' if pwm else 'toggled'} ring frequency): ringing "
              f"{cpu:.2f} % of a core; ring trip p50 {statistics.median(trips):.2f} ms, "
              f"p99 {trips[int(TRIPS * 0.99) - 1]:.2f} ms (hook high -> RM low)")


if __name__ == "__main__":
    main()
