"""Audio between baresip and the box's audio engine: two named pipes per SIP account.

baresip 1.0.0 has no way to hand a call's audio to another program, and ALSA's loopback card
(snd-aloop) is a kernel module CI cannot load. So each account gets two ALSA ``file`` PCMs in
baresip's own ALSA configuration, over named pipes the box holds open all the time (a pipe
with no reader would block baresip, or make it spin a core, as measured):

* ``<user>.caller``: baresip plays the caller's voice into it; the box reads it.
* ``<user>.box``: the box writes what the caller should hear; baresip records from it.

ALSA's ``null`` slave behind the ``file`` plugin does not pace anything, so the pipes do:
baresip's player blocks once ``<user>.caller`` is full, and the box reads one 20 ms period
per tick. Each pipe is shrunk to one page (4 KB, 256 ms of 8 kHz audio), which bounds the
caller-to-box delay (measured 120-220 ms; a default 64 KB pipe held about 4 s).

While a call is up, baresip's recorder waits on ``<user>.box`` and its player on room in
``<user>.caller``: if the box stops serving either, baresip cannot even end the call. So the
box must write and read a period every tick (silence when it has nothing to say) until the
call is down.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from hardware.audio.format import LINE_FORMAT, AudioFormat

F_SETPIPE_SZ = 1031          # linux/fcntl.h
PIPE_BYTES = 4096


def asoundrc(users: list[str], directory: Path) -> str:
    """baresip's ALSA devices: ``sip-<user>-out`` (its player) and ``sip-<user>-in``."""
    blocks = []
    for user in users:
        caller, box = directory / f"{user}.caller", directory / f"{user}.box"
        blocks.append(
            f'pcm.sip-{user}-out {{ type file slave.pcm "null" file "{caller}" '
            f'format "raw" }}\n'
            f'pcm.sip-{user}-in {{ type file slave.pcm "null" file "/dev/null" '
            f'infile "{box}" format "raw" }}\n')
    return "".join(blocks)


class PipePair:
    """The two pipes of one account, opened read-write (never blocking, never without a
    reader or a writer) for as long as baresip runs."""

    def __init__(self, directory: Path, user: str) -> None:
        self.caller_path = directory / f"{user}.caller"
        self.box_path = directory / f"{user}.box"
        self.caller = self._open(self.caller_path)
        self.box = self._open(self.box_path)

    @staticmethod
    def _open(path: Path) -> int:
        if not path.exists():
            os.mkfifo(path, 0o600)
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        with contextlib.suppress(OSError):     # an older kernel keeps its default size
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
        return fd

    def close(self) -> None:
        for fd in (self.caller, self.box):
            with contextlib.suppress(OSError):
                os.close(fd)
        for path in (self.caller_path, self.box_path):
            path.unlink(missing_ok=True)


class SipPort:
    """A ``PcmPort`` on one account's pipes: what the engine reads is the caller's voice, what
    it writes is what the caller hears. Opening drops whatever waited in the pipes."""

    has_capture = True

    def __init__(self, name: str, pipes: PipePair, fmt: AudioFormat = LINE_FORMAT) -> None:
        self.name, self.fmt, self._pipes = name, fmt, pipes
        self._pending = b""

    def open(self) -> None:
        self._pending = b""
        for fd in (self._pipes.caller, self._pipes.box):
            _drain(fd)

    def read_period(self) -> bytes:
        need = self.fmt.period_bytes
        if len(self._pending) < need:
            with contextlib.suppress(BlockingIOError):
                self._pending += os.read(self._pipes.caller, PIPE_BYTES)
        if len(self._pending) < need:
            return bytes(need)
        period, self._pending = self._pending[:need], self._pending[need:]
        return period

    def write_period(self, data: bytes) -> None:
        """Dropped when baresip is not reading (no call): the caller hears nothing stale."""
        with contextlib.suppress(BlockingIOError):
            os.write(self._pipes.box, data)

    def close(self) -> None:
        self._pending = b""


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, PIPE_BYTES):
            pass
