"""Simulated audio for the core's tests: remembers what each port would play, bridge and record.

Prompts end at once (tests drive time with a manual clock); ``prompts_end = False`` holds a
prompt "playing" so a test can press a key during it. The demo uses the real audio engine.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from hardware.audio.sources import Source
from hardware.events import PlaybackEnded, RecordingFinished
from hardware.fakes import remember
from hardware.interfaces import Post


@dataclass(frozen=True)
class AudioOp:
    op: str            # play | stop | bridge | unbridge | record
    port: str
    detail: str = ""


class FakeAudio:
    def __init__(self) -> None:
        self.prompts_end = True     # tests set False to hold a prompt "playing" indefinitely
        self.log: list[AudioOp] = []
        self.playing: dict[str, tuple[Source, bool]] = {}   # port -> (source, looping)
        self.bridges: set[frozenset[str]] = set()
        self.recording: dict[str, str] = {}
        self.listening: set[str] = set()        # ports whose keys the engine would report
        self._post: Post | None = None
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, post: Post) -> None:
        self._post = post

    def close(self) -> None:
        self._post = None

    def play(self, port: str, source: Source, *, loop: bool = False) -> int:
        token = next(self._tokens)
        with self._lock:
            remember(self.log, AudioOp("play", port, f"{source}{' (loop)' if loop else ''}"))
            self.playing[port] = (source, loop)
        if not loop and self.prompts_end and self._post is not None:
            self._post(PlaybackEnded(port, token))
        return token

    def stop(self, port: str) -> None:
        with self._lock:
            if self.playing.pop(port, None) is not None:
                remember(self.log, AudioOp("stop", port))
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
            remember(self.log, AudioOp("bridge", a, b))

    def unbridge(self, a: str, b: str) -> None:
        with self._lock:
            self.bridges.discard(frozenset((a, b)))
            remember(self.log, AudioOp("unbridge", a, b))

    def record(self, port: str, name: str, **limits: float) -> None:
        with self._lock:
            self.recording[port] = name
            remember(self.log, AudioOp("record", port, name))

    def listen_keys(self, port: str, on: bool) -> None:
        """Remembered in ``listening``; a test posts ``KeyHeard`` itself (or the simulation
        feeds the real detector)."""
        with self._lock:
            remember(self.log, AudioOp("listen_keys", port, "on" if on else "off"))
            if on:
                self.listening.add(port)
            else:
                self.listening.discard(port)

    def played(self, port: str) -> list[str]:
        """Every source started on ``port``, in order."""
        return [op.detail for op in self.log if op.op == "play" and op.port == port]
