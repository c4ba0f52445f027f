"""Real audio for the demo: the real engine and ALSA code on ALSA ``file`` devices.

Each line and desk of the sample office gets ALSA devices that write what is played to a raw
file and read the "microphone" from a prepared one (a caller and an agent saying a sentence,
then silence), so the demo runs the same pyalsaaudio path as a Pi. ``TapPort`` also keeps, per
call, a WAV of what the caller heard: the engine opens a line's port when a call starts using
it and closes it once idle, so one open/close is one call.
"""

from __future__ import annotations

import logging
import os
import re
import wave
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hardware.audio.format import AudioFormat
from hardware.audio.ports import AlsaPort, PcmPort

log = logging.getLogger(__name__)

ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
CALLER_SAYS = "Hola, buenos días. Llamo por la factura de noviembre. Gracias."
AGENT_SAYS = "Buenos días, le atiende la oficina. ¿En qué puedo ayudarle?"
SILENCE_AFTER_S = 60
SAFE = re.compile(r"[^a-z0-9-]")


def device_name(port: str) -> str:
    return "sb-" + SAFE.sub("-", port.lower())


def write_asoundrc(path: Path, ports: list[str], out_dir: Path, in_dir: Path) -> None:
    """A file-plugin playback and capture device per port (hardware-and-os.md §3.3)."""
    blocks = []
    for port in ports:
        name = device_name(port)
        blocks.append(
            f'pcm.{name}-out {{\n  type file\n  slave.pcm "null"\n'
            f'  file "{out_dir / (name + ".raw")}"\n  format "raw"\n  perm 0600\n}}\n'
            f'pcm.{name}-in {{\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n'
            f'  infile "{in_dir / (name + ".raw")}"\n  format "raw"\n}}\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(blocks))


class TapPort:
    """A port that also writes, per open/close (one call), a WAV of what it played."""

    def __init__(self, inner: PcmPort, directory: Path, now: Callable[[], datetime]) -> None:
        self.inner = inner
        self.name, self.fmt, self.has_capture = inner.name, inner.fmt, inner.has_capture
        self._dir = directory
        self._now = now
        self._wav: Any = None

    def open(self) -> None:
        self.inner.open()
        self._dir.mkdir(parents=True, exist_ok=True)
        stamp = self._now().strftime("%Y%m%dT%H%M%S")
        path = self._dir / f"{SAFE.sub('-', self.name.lower())}-{stamp}.wav"
        self._wav = wave.open(str(path), "wb")  # noqa: SIM115 - closed in close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(self.fmt.rate)

    def read_period(self) -> bytes:
        return self.inner.read_period()

    def write_period(self, data: bytes) -> None:
        self.inner.write_period(data)
        if self._wav is not None:
            self._wav.writeframes(data)

    def close(self) -> None:
        self.inner.close()
        if self._wav is not None:
            self._wav.close()
            self._wav = None


def demo_voices(fmt: AudioFormat, speak: Callable[[str], bytes]) -> dict[str, bytes]:
    """What the demo's callers ("line") and staff ("station") say: a sentence, then silence."""
    silence = fmt.silence(int(SILENCE_AFTER_S / 0.02))
    return {"line": speak(CALLER_SAYS) + silence, "station": speak(AGENT_SAYS) + silence}


def demo_ports(data_dir: Path, fmt: AudioFormat, lines: list[str], stations: list[str],
               voices: dict[str, bytes], now: Callable[[], datetime]) -> dict[str, Any]:
    """Ports for the sample office; sets ALSA_CONFIG_PATH for this process (the demo's)."""
    from hardware.interfaces import line_port, station_port

    names = [line_port(x) for x in lines] + [station_port(x) for x in stations]
    out_dir, in_dir = data_dir / "audio-out", data_dir / "audio-in"
    out_dir.mkdir(parents=True, exist_ok=True)
    in_dir.mkdir(parents=True, exist_ok=True)
    write_asoundrc(data_dir / "alsa" / "asoundrc", names, out_dir, in_dir)
    os.environ["ALSA_CONFIG_PATH"] = f"{ALSA_CONF}:{data_dir / 'alsa' / 'asoundrc'}"
    ports: dict[str, Any] = {}
    for name in names:
        device = device_name(name)
        (in_dir / f"{device}.raw").write_bytes(voices[name.split(":")[0]])
        port = AlsaPort(name, f"{device}-out", f"{device}-in", fmt)
        ports[name] = TapPort(port, data_dir / "heard", now) if name.startswith("line:") else port
    return ports
