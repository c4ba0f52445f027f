"""The fake modem's plumbing: the pty, the timer heap and the byte transmitter.

Kept apart from the AT logic so the hard-won pty details live in one place (reference
at-commands.md §10 and style-anchors "Verified by running"): raw mode right after
``openpty``, a non-blocking master that is only touched after ``select()``, and packet mode
(``TIOCPKT``) so the fake can see the driver open the port: pyserial flushes the input queue
on open, which the master receives as ``TIOCPKT_FLUSHREAD``.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import itertools
import os
import pty
import random
import struct
import termios
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_TIOCPKT_FLUSHREAD = 0x01
_MAX_BACKLOG = 64 * 1024  # a modem's own buffer; beyond it, unread output is lost
_CHUNK_GAP_S = (0.0005, 0.003)


@dataclass(order=True)
class Timer:
    """A scheduled callback; cancel() makes it a no-op (the heap entry just expires)."""

    due: float
    seq: int
    fn: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """A small heap of timers, run by the modem thread: no thread per timer, no polling."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def at(self, due: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(due, next(self._seq), fn)
        heapq.heappush(self._heap, timer)
        return timer

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def run_due(self, now: float) -> None:
        """Run every timer due by ``now``, including ones scheduled "now" by a callback."""
        while self._heap and self._heap[0].due <= now:
            timer = heapq.heappop(self._heap)
            if not timer.cancelled:
                timer.fn()

    def clear(self) -> None:
        self._heap.clear()


@dataclass
class _Segment:
    data: bytes
    ready: float
    urc: bool


class Transmitter:
    """Orders what the modem says and chops it into realistic writes.

    Responses are queued as segments (echo, each info line, the final code) that become
    ready at their own time; a URC raised meanwhile is slotted in at a random position
    after the last queued URC, so it can land between echo and info, between info lines
    or just before ``OK`` (reference §1.5) while URCs keep their relative order.
    """

    def __init__(self, rng: random.Random, *, split: bool) -> None:
        self._rng = rng
        self._split = split
        self._queue: list[_Segment] = []
        self._out = bytearray()
        self._next_write = 0.0

    def response(self, data: bytes, ready: float) -> None:
        self._queue.append(_Segment(data, ready, urc=False))

    def urc(self, data: bytes, now: float) -> None:
        last_urc = max((i for i, s in enumerate(self._queue) if s.urc), default=-1)
        pos = self._rng.randint(last_urc + 1, len(self._queue))
        self._queue.insert(pos, _Segment(data, now, urc=True))

    @property
    def idle(self) -> bool:
        return not self._queue and not self._out

    def clear(self) -> None:
        self._queue.clear()
        self._out.clear()

    def pump(self, now: float) -> None:
        """Move segments whose time has come (in order) into the output buffer."""
        while self._queue and self._queue[0].ready <= now:
            self._out += self._queue.pop(0).data
        if len(self._out) > _MAX_BACKLOG:
            del self._out[:-_MAX_BACKLOG]

    def next_wake(self) -> float | None:
        times = [self._queue[0].ready] if self._queue else []
        if self._out:
            times.append(self._next_write)
        return min(times) if times else None

    def wants_write(self, now: float) -> bool:
        return bool(self._out) and now >= self._next_write

    def write(self, fd: int, now: float) -> None:
        """One write: everything, or with split writes a random chunk, then a short gap."""
        size = len(self._out)
        if self._split and size > 1:
            size = self._rng.randint(1, size)
        try:
            written = os.write(fd, bytes(self._out[:size]))
        except (BlockingIOError, InterruptedError):
            return
        del self._out[:written]
        if self._split:
            self._next_write = now + self._rng.uniform(*_CHUNK_GAP_S)


class PtyPort:
    """One pty pair standing for one USB enumeration of the modem's AT port.

    The fake keeps the slave open itself, so the pty survives the driver closing and
    reopening it (as a real device node does) and the master never sees EIO; destroying
    the pair is what "unplug" means. ``link`` is repointed atomically at the new slave.
    """

    def __init__(self, link: Path | None) -> None:
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)  # before anything is written: a fresh pty echoes and maps CR
        fcntl.ioctl(self.master, termios.TIOCPKT, struct.pack("i", 1))
        os.set_blocking(self.master, False)
        self.slave_path = os.ttyname(self.slave)
        self.connects = 0
        self._link = link
        if link is not None:
            tmp = link.with_name(f".{link.name}.tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_path)
            tmp.replace(link)

    def read(self) -> tuple[bytes, bool]:
        """(data, flushed): ``flushed`` when the driver flushed its input (opened the port)."""
        try:
            packet = os.read(self.master, 4096)
        except (BlockingIOError, InterruptedError):
            return b"", False
        if not packet:
            return b"", False
        if packet[0] == 0:
            return packet[1:], False
        return b"", bool(packet[0] & _TIOCPKT_FLUSHREAD)

    def unread(self) -> int:
        """Bytes written to the driver that it has not read yet (the slave's input queue)."""
        try:
            raw = fcntl.ioctl(self.slave, termios.FIONREAD, struct.pack("i", 0))
        except OSError:
            return 0
        return int(struct.unpack("i", raw)[0])

    def close(self) -> None:
        """Destroy the pair: the driver's next read or write fails (EIO / SerialException)."""
        if self._link is not None and self._link.is_symlink():
            with contextlib.suppress(OSError):
                if os.readlink(self._link) == self.slave_path:
                    self._link.unlink()
        for fd in (self.master, self.slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self.slave = -1      # closing a number twice could close another's
