"""How long stopping takes with 32 modem lines (the real driver on 32 pty fake modems).

Measured: ``Appliance.close()`` as ``switchboard run`` does on SIGTERM (drivers closed side
by side), and, on a second identical office, the drivers closed one after another as before
(issue 10 measured 17.7 s for 32 lines that way). Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.core.clock import SystemClock
from appliance.ops.assembly import build_simulated
from hardware.fakes.modem import Dialect, FakeModem

LINES = 32


def office(data: Path, modems: list[FakeModem]):
    devices = {f"l{n}": m.path for n, m in enumerate(modems, 1)}
    appliance = build_simulated(data, SystemClock(), line_devices=devices)
    appliance.store.create("teams", {"id": "t", "name": "Team"})
    for n in range(1, LINES + 1):
        appliance.store.create("lines", {"id": f"l{n}", "name": f"Line {n}",
                                         "entry": {"team": "t"}})
    appliance.start()
    deadline = time.monotonic() + 60
    snap = appliance.engine.snapshot
    while sum(line.state == "idle" for line in snap().lines) < LINES:
        if time.monotonic() > deadline:
            raise TimeoutError("the lines did not come up")
        time.sleep(0.05)
    return appliance


def stop_time(side_by_side: bool) -> float:
    modems = [FakeModem(Dialect.SIM7600, name=f"l{n}", seed=n) for n in range(1, LINES + 1)]
    for modem in modems:
        modem.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            appliance = office(Path(tmp), modems)
            started = time.monotonic()
            if not side_by_side:                    # the old way: one driver after another
                for driver in appliance.engine.office.line_drivers.values():
                    driver.close()
            appliance.close()
            return time.monotonic() - started
    finally:
        for modem in modems:
            modem.close()


def main() -> None:
    before = stop_time(side_by_side=False)
    after = stop_time(side_by_side=True)
    print(f"stop: {LINES} modem lines, one after another {before:.2f} s, side by side "
          f"{after:.2f} s (ratio {before / after:.1f}; budget < 3 s)")


if __name__ == "__main__":
    main()
