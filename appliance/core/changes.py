"""A counter the core moves on when what the live board shows has changed.

The web's event stream waits on it instead of polling the snapshot: a reader remembers the
version it last saw and sleeps until another one exists, the box closes, or its own timeout
(the stream's keep-alive) passes. Bursts of events cost a reader one wake-up, not one each.
"""

from __future__ import annotations

import threading


class Changes:
    def __init__(self) -> None:
        self._moved = threading.Condition()
        self._version = 0
        self._closed = False

    @property
    def version(self) -> int:
        return self._version

    def bump(self) -> None:
        with self._moved:
            self._version += 1
            self._moved.notify_all()

    def close(self) -> None:
        """Wake every reader for good: the box is stopping."""
        with self._moved:
            self._closed = True
            self._moved.notify_all()

    def wait(self, seen: int, timeout: float) -> int | None:
        """The version after ``seen`` (``seen`` itself when the timeout passed first), or
        None once closed."""
        with self._moved:
            self._moved.wait_for(lambda: self._closed or self._version != seen, timeout)
            return None if self._closed else self._version
