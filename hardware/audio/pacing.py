"""The 20 ms clock of an audio port.

Nothing below us keeps time for us: the ALSA ``file``/``null`` plugins accept a second of audio
in no time, serial PCM ports accept whatever is written, and even a real sound card only blocks
once its buffer is full (by then the call has 80 ms of latency). So each port worker asks a
``Pacer`` for the next tick and moves exactly one period per tick.

``MonotonicPacer`` is the real clock: an absolute schedule (tick *n* is due at
``start + n * period``), so a late tick never pushes the following ones back and lateness does
not accumulate over a call. It waits on an ``Event`` so ``close()`` interrupts it at once.
``StepPacer`` is the test clock: ticks cost no time, and a test can hand out a budget of ticks
and wait until the worker has used them, instead of sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from .format import PERIOD_S

MAX_CATCH_UP_S = 0.2
"""Later than this (a stalled machine), skip the missed ticks instead of bursting through them."""


class Pacer(Protocol):
    def start(self) -> None: ...
    def wait_next(self) -> bool: ...   # False once closed: the worker must stop
    def now(self) -> float: ...
    def close(self) -> None: ...


class MonotonicPacer:
    """Real time on ``time.monotonic`` (replaceable: ``clock`` and ``wait`` for tests).

    Records the worst lateness (how long after its due time a tick was released) so the bench
    can report jitter; ``late_ticks`` counts ticks later than ``late_threshold_s``.
    """

    def __init__(self, period_s: float = PERIOD_S, *, clock: Callable[[], float] = time.monotonic,
                 wait: Callable[[float], bool] | None = None,
                 late_threshold_s: float = 0.010) -> None:
        self.period_s = period_s
        self.late_threshold_s = late_threshold_s
        self._clock = clock
        self._closed = threading.Event()
        self._wait = wait or self._closed.wait
        self._t0 = 0.0
        self._n = 0
        self.ticks = 0
        self.late_ticks = 0
        self.skipped_ticks = 0
        self.worst_lateness_s = 0.0
        self.total_lateness_s = 0.0

    def start(self) -> None:
        self._t0 = self._clock()
        self._n = 0

    def wait_next(self) -> bool:
        self._n += 1
        due = self._t0 + self._n * self.period_s
        delay = due - self._clock()
        if delay > 0 and self._wait(delay):
            return False
        if self._closed.is_set():
            return False
        self._account(self._clock() - due)
        return True

    def _account(self, late: float) -> None:
        late = max(0.0, late)
        self.ticks += 1
        self.total_lateness_s += late
        self.worst_lateness_s = max(self.worst_lateness_s, late)
        if late > self.late_threshold_s:
            self.late_ticks += 1
        if late > MAX_CATCH_UP_S:
            missed = math.floor(late / self.period_s)
            self._n += missed
            self.skipped_ticks += missed

    def now(self) -> float:
        return self._clock()

    def close(self) -> None:
        self._closed.set()


class StepPacer:
    """A clock for tests: each tick is instant and ``now()`` is ``ticks * period``.

    With ``budget=None`` the worker runs as fast as it can. With a budget the worker parks in
    ``wait_next`` once it has used it; ``step(n)`` grants n more ticks and returns when the
    worker is parked again (so everything those ticks did is finished), or when the pacer was
    closed (the worker stopped). No sleeping: conditions with deadlines.
    """

    def __init__(self, period_s: float = PERIOD_S, *, budget: int | None = None) -> None:
        self.period_s = period_s
        self.ticks = 0
        self._budget = budget
        self._cond = threading.Condition()
        self._parked = False
        self._closed = False

    def start(self) -> None:
        pass

    def wait_next(self) -> bool:
        with self._cond:
            self._parked = True
            self._cond.notify_all()
            while not self._closed and self._budget is not None and self.ticks >= self._budget:
                self._cond.wait()
            self._parked = False
            if self._closed:
                return False
            self.ticks += 1
            return True

    def now(self) -> float:
        return self.ticks * self.period_s

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def grant(self, n: int) -> None:
        """Let the worker run n more ticks (without waiting for them)."""
        with self._cond:
            if self._budget is None:
                raise RuntimeError("a pacer without a budget needs no grant")
            self._budget += n
            self._cond.notify_all()

    def step(self, n: int = 1, timeout: float = 5.0) -> None:
        """Grant n more ticks and wait until they have been run (or the pacer was closed)."""
        self.grant(n)
        self.wait_parked(timeout)

    def wait_parked(self, timeout: float = 5.0) -> None:
        def settled() -> bool:
            return self._closed or (self._parked and self._budget is not None
                                    and self.ticks >= self._budget)

        with self._cond:
            if not self._cond.wait_for(settled, timeout):
                raise TimeoutError(f"audio worker still busy after {timeout} s "
                                   f"(tick {self.ticks} of {self._budget})")
