"""The one source of time for the core: wall time for schedules, monotonic time for timers.

Tests and the demo replace the clock instead of sleeping: ``ManualClock`` only moves when a test
advances it, ``SimulatedClock`` runs in real time but lets the demo's user pick the date and
time the schedules see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

NTP_SYNCED_FLAG = Path("/run/systemd/timesync/synchronized")   # touched by timesyncd
NETWORK_TRUST_S = 60.0      # ignore the network's time when it agrees with ours this closely


class SystemClock:
    """Real time. The core may block on its queue until the next timer is due.

    With no NTP (an office without internet), the system clock may be wrong after a power cut;
    the mobile network's time then corrects *our* clock by an offset. The service has no
    capability to set the system clock, and does not need one.
    """

    def __init__(self, ntp_flag: Path = NTP_SYNCED_FLAG) -> None:
        self._listeners: list[Callable[[], None]] = []
        self._ntp_flag = ntp_flag
        self._network_offset = timedelta(0)
        self.source = "system clock"

    def now(self) -> datetime:
        return datetime.now(UTC) + self._network_offset

    def adjust_from_network(self, utc: datetime, line: str) -> None:
        """Take the network's time when NTP has not set the system clock."""
        if self._ntp_flag.exists():
            self.source = "system clock (NTP)"
            return
        offset = utc - datetime.now(UTC)
        if abs(offset.total_seconds()) > NETWORK_TRUST_S:
            self._network_offset = offset
            self._jumped()
        self.source = f"mobile network ({line})"

    def monotonic(self) -> float:
        return time.monotonic()

    def wait_time(self, deadline: float | None) -> float | None:
        """How long the core may block waiting for events before ``deadline`` is due."""
        return None if deadline is None else max(0.0, deadline - self.monotonic())

    def subscribe(self, wake: Callable[[], None]) -> None:
        """``wake`` is called whenever time jumps, so the core re-evaluates its timers."""
        self._listeners.append(wake)

    def _jumped(self) -> None:
        for wake in list(self._listeners):
            wake()


class SimulatedClock(SystemClock):
    """Real time, shifted so schedules see the date and time the demo's user chose."""

    def __init__(self) -> None:
        super().__init__()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set_now(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("give the time with its UTC offset")
        self._offset = when - datetime.now(UTC)
        self.source = "the demo's simulated clock"
        self._jumped()

    def adjust_from_network(self, utc: datetime, line: str) -> None:
        """The demo's time is the one its user chose."""


class ManualClock(SystemClock):
    """Time stands still until ``advance``; timers fire only when a test moves the clock."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._now = start or datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
        self._mono = 1000.0
        self.source = "manual (tests)"

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def wait_time(self, deadline: float | None) -> float | None:
        return None  # nothing is due until a test advances the clock

    def adjust_from_network(self, utc: datetime, line: str) -> None:
        """Tests move time themselves."""

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
        self._jumped()

    def set_now(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("give the time with its UTC offset")
        with self._lock:
            self._now = when.astimezone(UTC)
        self._jumped()
