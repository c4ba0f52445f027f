"""Waiting for a condition with a deadline: how tests synchronise with real threads."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_S = 0.01


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """Return ``predicate()``'s first truthy value; fail the test if none comes in time.

    The short sleep is the polling interval, not the synchronisation: the deadline is.
    """
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_S)
    return result


class Events:
    """What a driver posted, for a test to take in order: ``put`` is the driver's ``post``."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.put = self._queue.put
        self.seen: list = []

    def expect(self, kind: type, timeout: float = 5.0, **fields: object):
        """The next event of ``kind`` (with ``fields``); the others are kept in ``seen``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if isinstance(event, kind) and all(getattr(event, k) == v for k, v in fields.items()):
                return event
        raise AssertionError(f"no {kind.__name__} {fields} within {timeout} s; saw {self.seen}")
