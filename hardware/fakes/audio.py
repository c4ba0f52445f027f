"""Simulated audio: remembers what each port would play, bridge and record.

Prompts end at once by default (tests drive time with a manual clock). With ``realtime`` the
demo hears prompts last about as long as speaking them would, timed by one named thread.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass

from appliance.events import PlaybackEnded, RecordingFinished
from hardware.interfaces import Post

SECONDS_PER_CHAR = 0.065   # about the pace of espeak-ng at its default speed
FILE_PROMPT_S = 3.0


@dataclass(frozen=True)
class AudioOp:
    op: str            # play | stop | bridge | unbridge | record
    port: str
    detail: str = ""


class FakeAudio:
    def __init__(self, *, realtime: bool = False) -> None:
        self.prompts_end = True     # tests set False to hold a prompt "playing" indefinitely
        self.log: list[AudioOp] = []
        self.playing: dict[str, tuple[str, bool]] = {}   # port -> (source, looping)
        self.bridges: set[frozenset[str]] = set()
        self.recording: dict[str, str] = {}
        self._post: Post | None = None
        self._tokens = itertools.count(1)
        self._current: dict[str, int] = {}
        self._realtime = realtime
        self._lock = threading.Condition()
        self._due: list[tuple[float, int, str]] = []
        self._closing = False
        self._thread: threading.Thread | None = None

    def start(self, post: Post) -> None:
        self._post = post
        if self._realtime:
            self._thread = threading.Thread(target=self._run, name="fake-audio", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def play(self, port: str, source: str, *, loop: bool = False) -> int:
        token = next(self._tokens)
        with self._lock:
            self.log.append(AudioOp("play", port, source + (" (loop)" if loop else "")))
            self.playing[port] = (source, loop)
            self._current[port] = token
            if not loop and self._realtime:
                heapq.heappush(self._due, (time.monotonic() + _length(source), token, port))
                self._lock.notify_all()
        if not loop and not self._realtime and self.prompts_end and self._post is not None:
            self._post(PlaybackEnded(port, token))
        return token

    def stop(self, port: str) -> None:
        with self._lock:
            if self.playing.pop(port, None) is not None:
                self.log.append(AudioOp("stop", port))
            self._current.pop(port, None)
        self.end_recording(port, "stopped")

    def end_recording(self, port: str, reason: str, seconds: float = 0.0) -> None:
        """The recorder on ``port`` stops (tests call this to play silence or maximum length)."""
        with self._lock:
            name = self.recording.pop(port, None)
        if name is not None and self._post is not None:
            self._post(RecordingFinished(port, name, seconds, reason))

    def bridge(self, a: str, b: str) -> None:
        with self._lock:
            self.bridges.add(frozenset((a, b)))
            self.log.append(AudioOp("bridge", a, b))

    def unbridge(self, a: str, b: str) -> None:
        with self._lock:
            self.bridges.discard(frozenset((a, b)))
            self.log.append(AudioOp("unbridge", a, b))

    def record(self, port: str, name: str, **limits: float) -> None:
        with self._lock:
            self.recording[port] = name
            self.log.append(AudioOp("record", port, name))

    def played(self, port: str) -> list[str]:
        """Every source started on ``port``, in order."""
        return [op.detail for op in self.log if op.op == "play" and op.port == port]

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._closing or self._due, timeout=None)
                if self._closing:
                    return
                deadline, token, port = self._due[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._lock.wait(timeout=delay)
                    continue
                heapq.heappop(self._due)
                current = self._current.get(port) == token
                if current:
                    self.playing.pop(port, None)
            if current and self._post is not None:
                self._post(PlaybackEnded(port, token))


def _length(source: str) -> float:
    kind, _, rest = source.partition(":")
    return max(1.0, len(rest) * SECONDS_PER_CHAR) if kind == "say" else FILE_PROMPT_S
