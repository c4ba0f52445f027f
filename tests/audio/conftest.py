"""Audio test fixtures: a test ALSA configuration, step pacers per port, collected events.

``asound`` runs the REAL pyalsaaudio code against ALSA ``file`` devices: playback goes to raw
files the test reads back, capture comes from raw "microphone" files the test writes. alsa-lib
loads ``$XDG_CONFIG_HOME/alsa/asoundrc`` (and ``~/.asoundrc``) through hooks in alsa.conf, but it
re-reads its configuration only when the list of top-level files in ``ALSA_CONFIG_PATH``
changes; each test therefore also adds its own (empty) top-level file, or a second test in the
same process would still see the first test's devices.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hardware.audio.format import LINE_FORMAT
from hardware.audio.mixer import AudioEngine
from hardware.audio.pacing import StepPacer
from hardware.audio.tones import to_bytes

ALSA_CONF = "/usr/share/alsa/alsa.conf"
PERIOD = LINE_FORMAT.period_bytes


def pattern(periods: int, voice: int = 1) -> bytes:
    """Loud, distinct periods: sample i of period k is voice*1000 + k*7 + i%13 (never silent)."""
    return to_bytes(array("h", (voice * 1000 + k * 7 + i % 13
                                for k in range(periods) for i in range(PERIOD // 2))))


def split(data: bytes) -> list[bytes]:
    return [data[i:i + PERIOD] for i in range(0, len(data), PERIOD)]


@dataclass
class AlsaFiles:
    """Where the test ALSA devices write (``<name>.raw``) and read (``<name>mic.raw``)."""

    dir: Path

    def played(self, name: str) -> bytes:
        path = self.dir / f"{name}.raw"
        return path.read_bytes() if path.exists() else b""


@pytest.fixture
def asound(tmp_path, monkeypatch) -> Callable[..., AlsaFiles]:
    """``asound(["l1", "s1"], mics={"l1": b"..."})`` defines, for each name, a playback device
    ``name`` (raw S16LE into ``name.raw``, slave ``null``) and a capture device ``name + "mic"``
    fed from ``namemic.raw`` (the given bytes; one second of silence if none: alsa-lib returns
    uninitialised memory for an empty infile). Capture keeps returning stale data after the end
    of its infile, so tests size the microphone files to what they read.
    """
    pytest.importorskip("alsaaudio", reason="pyalsaaudio is not installed (it needs "
                        "libasound2-dev): the real ALSA path cannot be tested here")
    files = tmp_path / "alsa"
    xdg = tmp_path / "xdg"

    def make(names: list[str], mics: dict[str, bytes] | None = None) -> AlsaFiles:
        files.mkdir(exist_ok=True)
        (xdg / "alsa").mkdir(parents=True, exist_ok=True)
        lines = []
        for name in names:
            mic = files / f"{name}mic.raw"
            mic.write_bytes((mics or {}).get(name, LINE_FORMAT.silence(50)))
            lines.append(f'pcm.{name} {{ type file; slave.pcm "null"; '
                         f'file "{files / name}.raw"; format "raw" }}')
            lines.append(f'pcm.{name}mic {{ type file; slave.pcm "null"; file "/dev/null"; '
                         f'infile "{mic}"; format "raw" }}')
        (xdg / "alsa" / "asoundrc").write_text("\n".join(lines) + "\n")
        reread = tmp_path / "reread.conf"
        reread.write_text("# makes alsa-lib re-read its configuration for this test\n")
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
        monkeypatch.setenv("ALSA_CONFIG_PATH", f"{ALSA_CONF}:{reread}")
        return AlsaFiles(files)

    return make


class Pacers:
    """A ``pacer_factory`` handing out budgeted ``StepPacer``s, found again by port name.

    The factory runs on the port's worker thread (``audio-<port>``), which names the port.
    """

    def __init__(self, budget: int | None = 0) -> None:
        self.budget = budget
        self.made: list[StepPacer] = []
        self._latest: dict[str, StepPacer] = {}
        self._cond = threading.Condition()

    def __call__(self) -> StepPacer:
        pacer = StepPacer(budget=self.budget)
        port = threading.current_thread().name.removeprefix("audio-")
        with self._cond:
            self._latest[port] = pacer
            self.made.append(pacer)
            self._cond.notify_all()
        return pacer

    def of(self, port: str, timeout: float = 5.0) -> StepPacer:
        """The port's running pacer (waits for its worker to start)."""
        def running() -> StepPacer | None:
            pacer = self._latest.get(port)
            return pacer if pacer is not None and not pacer.closed else None

        with self._cond:
            pacer = self._cond.wait_for(running, timeout)
        if pacer is None:
            raise TimeoutError(f"no running audio worker for {port!r}")
        return pacer

    def step(self, port: str, n: int = 1) -> None:
        self.of(port).step(n)


class Events:
    """The engine's ``post``: keeps events and lets tests wait for them."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self._cond = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cond:
            self.items.append(event)
            self._cond.notify_all()

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.items if isinstance(e, kind)]

    def wait(self, kind: type, count: int = 1, timeout: float = 5.0) -> list:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.of(kind)) >= count, timeout):
                raise AssertionError(f"no {kind.__name__} after {timeout} s: {self.items}")
            return self.of(kind)


@pytest.fixture
def pacers() -> Pacers:
    return Pacers()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def make_engine(tmp_path, pacers, events):
    """Build a started engine on the given ports; closed (threads joined) after the test."""
    engines: list[AudioEngine] = []

    def make(ports: dict, sounds: dict[str, bytes] | None = None, **kwargs) -> AudioEngine:
        kwargs.setdefault("pacer_factory", pacers)
        table = sounds or {}
        engine = AudioEngine(ports, lambda source: table[str(source)], recordings=tmp_path / "rec",
                             **kwargs)
        engine.start(events)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
