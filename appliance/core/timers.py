"""Deadlines owned by the core thread: a heap, cancellation by handle, no threads."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class Timer:
    deadline: float
    seq: int
    action: Callable[[], None] = field(compare=False)
    owner: str | None = field(default=None, compare=False)   # e.g. the call it belongs to
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def at(self, deadline: float, action: Callable[[], None],
           owner: str | None = None) -> Timer:
        timer = Timer(deadline, next(self._seq), action, owner)
        heapq.heappush(self._heap, timer)
        return timer

    def next_deadline(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].deadline if self._heap else None

    def run_due(self, now: float,
                on_error: Callable[[Timer, Exception], None] | None = None) -> int:
        """Run every timer due at ``now`` in deadline order; returns how many ran.

        With ``on_error``, a failing action is handed to it and the others still run."""
        ran = 0
        while (deadline := self.next_deadline()) is not None and deadline <= now:
            timer = heapq.heappop(self._heap)
            ran += 1
            try:
                timer.action()
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(timer, exc)
        return ran

    def __len__(self) -> int:
        return sum(not t.cancelled for t in self._heap)
