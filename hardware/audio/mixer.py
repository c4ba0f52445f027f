"""The audio driver of the appliance: plays, bridges and records on ports, 20 ms at a time.

Each port that has something to do (a sound playing, a bridge, a recording) gets one worker
thread, ``audio-<port>``, which on every tick of its pacer:

1. reads one period of capture, if someone needs it (the bridge peer or the recorder);
2. hands it to the bridge peer's inbox and/or the recorder;
3. writes one period of playback: the current sound, else the peer's oldest captured period,
   else silence.

A port with nothing to do lingers ``idle_linger_s`` (so prompt-after-prompt does not reopen the
device) and then its worker closes it and ends: an idle appliance has no audio thread and no
open device. All state lives in ``_PortState`` objects guarded by one lock; device I/O, WAV
writes and ``resolve`` happen outside it.

The bridge: each direction is a FIFO of captured periods (the peer's ``inbox``), so two workers
ticking at the same nominal rate pass every period exactly once, in order. The FIFO is bounded
(``JITTER_PERIODS``): if one side's clock runs fast the oldest period is dropped, which bounds
the latency a clock drift can build up over a long call. A sound played on a bridged port takes
priority over the peer's audio, whose periods are consumed and discarded meanwhile (so the
caller hears live audio, not a backlog, when the prompt ends).

The engine only reports (``PlaybackEnded``, ``RecordingFinished``, both from
``appliance.events``; ``RecordingFinished.reason`` is max_length | silence | stopped, or error
when the device or the disk failed mid-recording): it never decides routing.
Commands never raise for device trouble: a port whose device fails is closed, logged, noted in
``errors`` and its sound reported ended so the call flow does not wait forever; the next
command on that port tries the device again.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from hardware.events import KeyHeard, PlaybackEnded, RecordingFinished
from hardware.interfaces import Post

from .dtmf import DtmfDetector
from .format import LINE_FORMAT, PERIOD_S
from .pacing import MonotonicPacer, Pacer
from .ports import AudioDeviceError, PcmPort
from .progress import busy_tone, connected_beep, dial_tone
from .recorder import ERROR, STOPPED, Recorder
from .sources import File, Say, Source, Tone
from .tones import beep, hold_tone, refused

log = logging.getLogger(__name__)

__all__ = ["AudioEngine", "RecordingFinished"]

JITTER_PERIODS = 4       # at most 80 ms of the peer's audio waits in a bridge FIFO
IDLE_LINGER_S = 0.2
TONES = {Tone.HOLD: hold_tone, Tone.BEEP: beep, Tone.REFUSED: refused,
         Tone.CONNECTED: connected_beep}
COUNTRY_TONES = {Tone.DIAL: dial_tone, Tone.BUSY: busy_tone}
JOIN_TIMEOUT_S = 5.0


class _Playback:
    """A sound being played: PCM bytes and a position. Loops wrap mid-period (no gap)."""

    __slots__ = ("loop", "notify", "pcm", "pos", "token")

    def __init__(self, token: int, pcm: bytes, *, loop: bool, notify: bool) -> None:
        self.token = token
        self.pcm = pcm
        self.loop = loop
        self.notify = notify      # False for the engine's own beep: nobody waits for it
        self.pos = 0

    def next_period(self, n: int) -> tuple[bytes, bool]:
        """The next n bytes, and whether they hold the end of a non-looping sound."""
        pcm, pos = self.pcm, self.pos
        if not self.loop:
            chunk = pcm[pos:pos + n]
            self.pos = pos + n
            return chunk + bytes(n - len(chunk)), self.pos >= len(pcm)
        if pos + n < len(pcm):
            self.pos = pos + n
            return pcm[pos:pos + n], False
        out = bytearray()
        while len(out) < n:           # the loop point: end of the sound, then its start
            take = pcm[pos:pos + n - len(out)]
            out += take
            pos = (pos + len(take)) % len(pcm)
        self.pos = pos
        return bytes(out), False


class _PortState:
    """What the engine knows about one port. Guarded by the engine's lock."""

    def __init__(self, key: str, port: PcmPort) -> None:
        self.key = key
        self.port = port
        self.playback: _Playback | None = None
        self.peer: str | None = None
        self.inbox: deque[bytes] = deque(maxlen=JITTER_PERIODS)   # the peer's captured audio
        self.recorder: Recorder | None = None
        self.finishing: list[tuple[Recorder, str]] = []   # stopped; the worker closes the file
        self.thread: threading.Thread | None = None       # the worker serving the port
        self.last_thread: threading.Thread | None = None  # the latest one, maybe still ending
        self.pacer: Pacer | None = None
        self.idle_ticks = 0
        self.keys: DtmfDetector | None = None    # listening for keys in the capture

    def busy(self) -> bool:
        return bool(self.playback or self.peer or self.recorder or self.finishing or self.keys)

    def listening_recorder(self) -> Recorder | None:
        """The recorder once its beep is over (or was replaced by another sound)."""
        rec = self.recorder
        if rec is None or (self.playback is not None and self.playback.token == rec.beep_token):
            return None
        return rec


class AudioEngine:
    """The ``AudioDriver`` of real hardware (see ``hardware.interfaces``).

    ``resolve(source)`` turns a ``Say`` or a ``File`` into PCM in the ports'
    format; tones are generated here (``TONES``). It runs on the calling
    thread (the core's) before any lock is taken: a slow first render (TTS) delays that one
    command, which is acceptable because the resolver caches rendered prompts, and it never stalls
    the audio of other ports. If it raises, a looping sound falls back to the hold tone and a
    prompt to nothing (its ``PlaybackEnded`` comes at once), so a call never waits on a bad file.
    All ports must share one format: the engine never resamples during a call.
    """

    def __init__(self, ports: dict[str, PcmPort], resolve: Callable[[Say | File], bytes], *,
                 recordings: Path,
                 pacer_factory: Callable[[], Pacer] = lambda: MonotonicPacer(PERIOD_S),
                 idle_linger_s: float = IDLE_LINGER_S, country: str = "ES") -> None:
        """``country``: whose dial and busy tones the handsets hear."""
        formats = {port.fmt for port in ports.values()}
        if len(formats) > 1:
            raise ValueError(f"all audio ports must use one line format, got {formats}")
        self.fmt = formats.pop() if formats else LINE_FORMAT
        self._states = {key: _PortState(key, port) for key, port in ports.items()}
        self._resolve = resolve
        self.country = country
        self._recordings = Path(recordings)
        self._pacer_factory = pacer_factory
        self._linger_ticks = round(idle_linger_s / PERIOD_S)
        self._lock = threading.RLock()      # re-entrant: ``post`` may call back into us
        self._idle = threading.Condition(self._lock)
        self._tokens = itertools.count(1)
        self._post: Post | None = None
        self._closing = False
        self.errors: dict[str, str] = {}    # port -> last device error, for doctor and the UI

    def start(self, post: Post) -> None:
        self._post = post

    def play(self, port: str, source: Source, *, loop: bool = False) -> int:
        """Play ``source`` on ``port`` (replacing what played); return its token.

        A non-looping sound posts ``PlaybackEnded(port, token)`` once its last period has been
        written; a stopped or replaced sound posts nothing.
        """
        pcm = self._load(source, loop)
        with self._lock:
            token = next(self._tokens)
            st = self._usable(port)
            if st is None:
                if not loop:
                    self._emit(PlaybackEnded(port, token))
                return token
            st.playback = _Playback(token, pcm, loop=loop, notify=not loop)
            self._wake(st)
        return token

    def _load(self, source: Source, loop: bool) -> bytes:
        """PCM for ``source``: tones are ours, the rest is ``resolve``'s."""
        try:
            pcm = self._tone(source) if isinstance(source, Tone) else self._resolve(source)
        except Exception:
            log.exception("cannot load audio %r; playing %s instead", source,
                          "the hold tone" if loop else "nothing")
            pcm = hold_tone(self.fmt) if loop else b""
        pcm = bytes(pcm[: len(pcm) // 2 * 2])
        return pcm if pcm or not loop else self.fmt.silence()

    def _tone(self, tone: Tone) -> bytes:
        if tone in COUNTRY_TONES:
            return COUNTRY_TONES[tone](self.country, self.fmt)
        return TONES[tone](self.fmt)

    def stop(self, port: str) -> None:
        """Stop the sound and the recording on ``port`` (the bridge, if any, stays)."""
        with self._lock:
            st = self._states.get(port)
            if st is not None:
                st.playback = None
                self._stop_recorder(st, STOPPED)

    def bridge(self, a: str, b: str) -> None:
        """Connect a's capture to b's playback and b's capture to a's playback.

        A port is bridged to one peer at a time: a new bridge replaces an older one.
        """
        if a == b:
            raise ValueError(f"cannot bridge audio port {a!r} to itself")
        with self._lock:
            sa, sb = self._usable(a), self._usable(b)
            if sa is None or sb is None:
                return
            for st in (sa, sb):
                if st.peer not in (None, a, b):
                    log.warning("audio port %s was bridged to %s; bridging it to %s instead",
                                st.key, st.peer, b if st is sa else a)
                    self._unlink(st)
            sa.peer, sb.peer = b, a
            self._wake(sa)                # also restarts a worker whose device had failed
            self._wake(sb)

    def unbridge(self, a: str, b: str) -> None:
        with self._lock:
            st = self._states.get(a)
            if st is not None and st.peer == b:
                self._unlink(st)

    def record(self, port: str, name: str, *, max_s: float = 120.0, silence_s: float = 5.0,
               silence_dbfs: float = -45.0) -> None:
        """Beep, then record port's capture into ``recordings/<name>.wav``.

        Ends on ``max_s``, on ``silence_s`` below ``silence_dbfs`` or on ``stop(port)``, and
        then posts ``RecordingFinished``. A recording already running on the port is stopped.
        """
        if not name or Path(name).name != name or name.startswith("."):
            raise ValueError(f"recording name {name!r} must be a plain file name")
        with self._lock:
            st = self._usable(port)
            if st is None:
                self._emit(RecordingFinished(port, name, 0.0, ERROR))
                return
            token = next(self._tokens)
            st.playback = _Playback(token, beep(self.fmt), loop=False, notify=False)
            self._stop_recorder(st, STOPPED)
            st.recorder = Recorder(self._recordings / f"{name}.wav", self.fmt, beep_token=token,
                                   max_s=max_s, silence_s=silence_s, silence_dbfs=silence_dbfs)
            self._wake(st)

    def listen_keys(self, port: str, on: bool) -> None:
        """Report each DTMF key heard on ``port`` as ``KeyHeard`` (a lifted idle handset
        dialling a feature code), until turned off."""
        with self._lock:
            st = self._usable(port)
            if st is None:
                return
            st.keys = DtmfDetector() if on else None
            if on:
                self._wake(st)

    def close(self) -> None:
        """Stop everything, finish recordings (reason "stopped"), close devices, join threads."""
        with self._lock:
            self._closing = True
            for st in self._states.values():
                if st.pacer is not None:
                    st.pacer.close()
            threads = [st.last_thread for st in self._states.values() if st.last_thread]
        for thread in threads:
            thread.join(JOIN_TIMEOUT_S)
            if thread.is_alive():
                log.error("audio worker %s did not stop (device blocked?)", thread.name)

    def active_ports(self) -> list[str]:
        """Ports that have a worker (and so an open device) right now."""
        with self._lock:
            return [key for key, st in self._states.items() if st.thread is not None]

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no port has a worker; for tests, the bench and orderly shutdowns."""
        with self._idle:
            return self._idle.wait_for(lambda: not self.active_ports(), timeout)

    # -- under the lock ------------------------------------------------------------------

    def _usable(self, port: str) -> _PortState | None:
        st = None if self._closing else self._states.get(port)
        if st is None:
            log.warning("audio port %r is %s", port,
                        "closed" if self._closing else "not configured")
        return st

    def _wake(self, st: _PortState) -> None:
        """Make sure the port has a worker. The previous one, if any, has already let go of
        the port and only has to return: joining it keeps it to one thread per port."""
        st.idle_ticks = 0
        if st.thread is None and not self._closing:
            if st.last_thread not in (None, threading.current_thread()):
                st.last_thread.join()
            st.thread = st.last_thread = threading.Thread(
                target=self._run, args=(st,), name=f"audio-{st.key}", daemon=True)
            st.thread.start()

    def _unlink(self, st: _PortState) -> None:
        other = self._states[st.peer] if st.peer is not None else None
        if other is not None:
            other.peer = None
            other.inbox.clear()
        st.peer = None
        st.inbox.clear()

    def _stop_recorder(self, st: _PortState, reason: str) -> None:
        if st.recorder is not None:
            st.finishing.append((st.recorder, reason))
            st.recorder = None

    def _emit(self, event: object) -> None:
        if self._post is not None:
            self._post(event)

    # -- the worker ----------------------------------------------------------------------

    def _run(self, st: _PortState) -> None:
        """Serve the port until it is idle; reopen it if work arrived while it was closing."""
        while True:
            failed = not self._serve(st)
            with self._lock:
                if not failed and not self._closing and st.busy():
                    continue
                pending = self._detach(st, failed)
                st.thread = None
                self._idle.notify_all()
            for rec, reason in pending:
                self._finish(st.key, rec, reason)
            return

    def _serve(self, st: _PortState) -> bool:
        """Open the device, tick until idle or closing, close it. False if the device failed."""
        pacer: Pacer | None = None
        opened = False
        try:
            st.port.open()
            opened = True
            self.errors.pop(st.key, None)
            pacer = self._pacer_factory()
            with self._lock:
                if self._closing:
                    return True
                st.pacer = pacer
            pacer.start()
            while pacer.wait_next() and self._tick(st):
                pass
            return True
        except Exception as exc:
            self._failed(st, exc)
            return False
        finally:
            with self._lock:
                st.pacer = None
            if opened:
                self._close_port(st)
            if pacer is not None:
                pacer.close()

    def _tick(self, st: _PortState) -> bool:
        """One period in and out. False when the port should close."""
        with self._lock:
            if self._closing or not self._still_needed(st):
                return False
            finishing, st.finishing = st.finishing, []
            rec = st.listening_recorder()
            listen = st.peer is not None or rec is not None or st.keys is not None
        for done, reason in finishing:
            self._finish(st.key, done, reason)
        heard = self._capture(st) if listen else None
        if heard is not None and st.keys is not None:
            for key in st.keys.feed(heard):
                self._emit(KeyHeard(st.key, key))
        over = self._feed(st, rec, heard) if rec is not None and heard is not None else None
        with self._lock:
            if heard is not None and st.peer is not None:
                self._states[st.peer].inbox.append(heard)
            out, ending = self._next_output(st)
            if over is not None and st.recorder is rec:
                st.recorder = None
            else:
                over = None               # stopped meanwhile: it is in ``finishing`` now
        if over is not None and rec is not None:
            self._finish(st.key, rec, over)     # before the write, which may fail
        st.port.write_period(out)
        with self._lock:
            if ending is not None and st.playback is ending:
                st.playback = None
                if ending.notify:
                    self._emit(PlaybackEnded(st.key, ending.token))
        return True

    def _still_needed(self, st: _PortState) -> bool:
        if st.busy():
            st.idle_ticks = 0
            return True
        st.idle_ticks += 1
        return st.idle_ticks <= self._linger_ticks

    def _capture(self, st: _PortState) -> bytes:
        return st.port.read_period() if st.port.has_capture else self.fmt.silence()

    def _next_output(self, st: _PortState) -> tuple[bytes, _Playback | None]:
        heard = st.inbox.popleft() if st.inbox else None
        playback = st.playback
        if playback is None:
            return (heard if heard is not None else self.fmt.silence()), None
        data, last = playback.next_period(self.fmt.period_bytes)
        return data, (playback if last else None)

    def _feed(self, st: _PortState, rec: Recorder, period: bytes) -> str | None:
        try:
            return rec.feed(period)
        except OSError:
            log.exception("recording %s on audio port %s failed", rec.path, st.key)
            return ERROR

    def _finish(self, key: str, rec: Recorder, reason: str) -> None:
        try:
            seconds = rec.finish()
        except OSError:
            log.exception("cannot complete the recording %s", rec.path)
            seconds, reason = rec.seconds, ERROR
        self._emit(RecordingFinished(key, rec.path.name.removesuffix(".wav"), seconds, reason))

    def _detach(self, st: _PortState, failed: bool) -> list[tuple[Recorder, str]]:
        """Take the recordings (and, after a failure, the sound) away from a stopping worker."""
        pending, st.finishing = st.finishing, []
        if st.recorder is not None and (failed or self._closing):
            pending.append((st.recorder, ERROR if failed else STOPPED))
            st.recorder = None
        if failed and st.playback is not None:
            playback, st.playback = st.playback, None
            if playback.notify:
                self._emit(PlaybackEnded(st.key, playback.token))
        return pending

    def _failed(self, st: _PortState, exc: Exception) -> None:
        self.errors[st.key] = str(exc)
        if isinstance(exc, AudioDeviceError):
            log.error("audio port %s: %s", st.key, exc)
        else:
            log.exception("audio port %s failed", st.key)

    def _close_port(self, st: _PortState) -> None:
        try:
            st.port.close()
        except Exception:
            log.exception("closing audio port %s failed", st.key)
