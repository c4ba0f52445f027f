"""Stopping closes every driver side by side, in bounded time (issue 10: 32 lines took 17 s)."""

from __future__ import annotations

import threading

from appliance.core.engine import close_all


class Driver:
    """A close that can only finish while all the others are closing too."""

    def __init__(self, everyone: threading.Barrier) -> None:
        self.everyone = everyone
        self.closed = False

    def close(self) -> None:
        self.everyone.wait()
        self.closed = True


class Stuck:
    def __init__(self) -> None:
        self.released = threading.Event()

    def close(self) -> None:
        self.released.wait()


def test_drivers_close_side_by_side():
    everyone = threading.Barrier(32, timeout=5)    # one after another: broken after 5 s
    drivers = {f"line-{i}": Driver(everyone) for i in range(32)}
    assert close_all(drivers, limit_s=5) == []
    assert all(d.closed for d in drivers.values())


def test_a_driver_that_never_closes_is_left_behind_after_the_limit():
    stuck = Stuck()
    assert close_all({"line-a": stuck, "station-b": Driver(threading.Barrier(1))},
                     limit_s=0.05) == ["line-a"]
    stuck.released.set()
    for thread in threading.enumerate():
        if thread.name == "close-line-a":
            thread.join()
