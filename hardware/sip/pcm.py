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
``<user>.caller``: if nobody served either, baresip could not even end the call. So the pipes
are not left to the audio engine, whose port workers come and go: a ``Pump`` thread serves
every account that has a call, one period each way per 20 ms tick, silence when the box has
nothing to say, and the engine's ``SipPort`` only meets it at two short queues (bounded like
the engine's bridge FIFOs, so two clocks drifting apart cannot build up delay).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections import deque
from pathlib import Path

from hardware.audio.format import LINE_FORMAT, AudioFormat
from hardware.audio.pacing import MonotonicPacer, Pacer

F_SETPIPE_SZ = 1031          # linux/fcntl.h
PIPE_BYTES = 4096
QUEUE_PERIODS = 4          # at most 80 ms waits between the pump and the engine


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
        """Safe to call twice: a descriptor closed twice could be someone else's by then."""
        for fd in (self.caller, self.box):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.caller = self.box = -1
        for path in (self.caller_path, self.box_path):
            path.unlink(missing_ok=True)


class _Account:
    """One account's pipes and the two queues the engine's port meets the pump at."""

    def __init__(self, pipes: PipePair, voice: bytes = b"") -> None:
        self.pipes, self.voice, self.said_at = pipes, voice, 0
        self.heard: deque[bytes] = deque(maxlen=QUEUE_PERIODS)   # the caller's voice
        self.said: deque[bytes] = deque(maxlen=QUEUE_PERIODS)    # what the caller hears
        self.pending = b""                                        # a part period read

    def reset(self) -> None:
        self.heard.clear()
        self.said.clear()
        self.pending, self.said_at = b"", 0

    def idle_period(self, need: int) -> bytes:
        """Silence, or for a simulated far end the next period of its voice."""
        period = self.voice[self.said_at:self.said_at + need]
        self.said_at += need
        return period + bytes(need - len(period))


class Pump:
    """The pipes of a baresip's accounts, and one thread (``<name>-audio``) serving those of
    every account with a call, one period each way per tick. With no call up it waits for
    one: an idle box does not tick."""

    def __init__(self, directory: Path, users: tuple[str, ...] | list[str],
                 fmt: AudioFormat = LINE_FORMAT, *, name: str = "sip",
                 pacer: Pacer | None = None, voices: dict[str, bytes] | None = None) -> None:
        """``voices``: what a simulated far end (the demo's ATA and phones) says from the
        start of each call while nobody writes to its port."""
        self.fmt = fmt
        voices = voices or {}
        directory.mkdir(parents=True, exist_ok=True)
        self._accounts = {user: _Account(PipePair(directory, user), voices.get(user, b""))
                          for user in users}
        self._calls: dict[str, set[str]] = {}    # user -> baresip's ids of its calls
        self._active: set[str] = set()
        self._changed = threading.Condition()
        self._closing = False
        self._pacer = pacer or MonotonicPacer()
        self._thread = threading.Thread(target=self._run, name=f"{name}-audio")

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def port(self, user: str) -> SipPort:
        return SipPort(f"sip:{user}", self._accounts[user], self.fmt)

    def track(self, user: str, call: str, *, ended: bool) -> None:
        """Serve ``user``'s pipes from its first call event to its last call's end (baresip
        may open the audio devices as soon as the call exists)."""
        calls = self._calls.setdefault(user, set())
        if ended:
            calls.discard(call)
        else:
            calls.add(call)
        self._set_active(user, bool(calls))

    def forget_calls(self) -> None:
        """baresip died: none of the calls it had is up any more."""
        for user in list(self._calls):
            self._set_active(user, False)
        self._calls.clear()

    def _set_active(self, user: str, active: bool) -> None:
        """A call on ``user`` began (stale audio in its pipes is dropped) or ended."""
        account = self._accounts.get(user)
        if account is None:
            return
        with self._changed:
            if active and user not in self._active:
                for fd in (account.pipes.caller, account.pipes.box):
                    _drain(fd)
                account.reset()
                self._active.add(user)
            elif not active:
                self._active.discard(user)
            self._changed.notify_all()

    def close(self) -> None:
        """Stop serving, then close and remove the pipes."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._pacer.close()
        if self._thread.is_alive():
            self._thread.join()
        for account in self._accounts.values():
            account.pipes.close()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closing or self._active)
                if self._closing:
                    return
            self._pacer.start()
            while (accounts := self._serving()) and self._pacer.wait_next():
                for account in accounts:
                    self._tick(account)

    def _serving(self) -> list[_Account]:
        with self._changed:
            return [] if self._closing else [self._accounts[u] for u in self._active]

    def _tick(self, account: _Account) -> None:
        """One period from the caller's pipe and one (or silence) into the box's."""
        need = self.fmt.period_bytes
        if len(account.pending) < need:
            with contextlib.suppress(BlockingIOError):
                account.pending += os.read(account.pipes.caller, need - len(account.pending))
        if len(account.pending) >= need:
            account.heard.append(account.pending[:need])
            account.pending = account.pending[need:]
        said = account.said.popleft() if account.said else account.idle_period(need)
        with contextlib.suppress(BlockingIOError):
            os.write(account.pipes.box, said)


class SipPort:
    """A ``PcmPort`` on one account: what the engine reads is the caller's voice, what it
    writes is what the caller hears; the ``Pump`` moves both to and from baresip."""

    has_capture = True

    def __init__(self, name: str, account: _Account, fmt: AudioFormat = LINE_FORMAT) -> None:
        self.name, self.fmt, self._account = name, fmt, account

    def open(self) -> None:
        """Start from now: what the caller said before nobody listened is not played late."""
        self._account.heard.clear()

    def read_period(self) -> bytes:
        heard = self._account.heard
        return heard.popleft() if heard else bytes(self.fmt.period_bytes)

    def write_period(self, data: bytes) -> None:
        self._account.said.append(data)

    def close(self) -> None:
        self._account.said.clear()


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(fd, PIPE_BYTES):
            pass
