"""Fixtures for the audio library and speech: real sound files made on the fly with sox.

Nothing is checked in: each test session renders its tones, the long silent file and the
broken files into a temporary directory once. The measuring helpers call sox directly or
compute in plain Python, so the checks do not depend on the code under test.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.config.store import ConfigStore
from appliance.media.audio_library import AudioLibrary
from hardware.audio.format import AudioFormat

needs_sox = pytest.mark.skipif(
    shutil.which("sox") is None,
    reason="sox not installed (apt install sox libsox-fmt-mp3 opus-tools); CI installs it")
needs_opus = pytest.mark.skipif(
    shutil.which("opusdec") is None or shutil.which("opusenc") is None,
    reason="opus-tools not installed (apt install opus-tools)")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (apt install espeak-ng)")

RATE = 8000
TONE_S = 3.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
M4A_HEAD = b"\0\0\0\x20ftypM4A \0\0\x02\0M4A isomiso2"


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an installed media tool by its full path; its report (stderr) is returned."""
    path = shutil.which(name)
    assert path, f"{name} is not installed"
    return subprocess.run([path, *args], capture_output=True, text=True,  # noqa: S603
                          check=True)


def sox(*args: str) -> None:
    tool("sox", "-V1", "-D", *args)


def tone(path: Path, *, seconds: float = TONE_S, freq: int = 440, gain_db: float = -18,
         channels: int = 1) -> None:
    """A 44.1 kHz 16-bit sine (-18 dBFS peak by default, like ffmpeg's ``sine`` source)."""
    sox("-n", "-r", "44100", "-b", "16", "-c", str(channels), str(path),
        "synth", f"{seconds:g}", "sine", str(freq), "gain", f"{gain_db:g}")


def write_clicks(path: Path) -> None:
    """A quiet tone (0.05) with 1 ms clicks of 0.5 twice a second: sharp peaks to limit."""
    rate = 44100
    values = array("h", (
        round(32767 * (0.05 * math.sin(2 * math.pi * 440 * n / rate)
                       + (0.5 if n % (rate // 2) < rate // 1000 else 0.0)))
        for n in range(3 * rate)))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(values.tobytes())


@pytest.fixture(scope="session")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of test files, made once per session (well under a second of sox)."""
    if shutil.which("sox") is None:
        pytest.skip("sox not installed (apt install sox libsox-fmt-mp3)")
    d = tmp_path_factory.mktemp("sounds")
    tone(d / "tone.wav", channels=2)                              # stereo: tests downmix
    for name in ("tone.mp3", "tone.ogg", "tone.flac"):
        sox(str(d / "tone.wav"), str(d / name))
    if shutil.which("opusenc"):
        tool("opusenc", "--quiet", str(d / "tone.wav"), str(d / "tone.opus.ogg"))
    tone(d / "loud.wav", gain_db=-1)                              # ~ -1 dBFS
    tone(d / "quiet.wav", gain_db=-48)                            # ~ -48 dBFS
    tone(d / "low.wav", seconds=1.5, freq=100)
    tone(d / "mid.wav", seconds=1.5, freq=1000)
    sox(str(d / "low.wav"), str(d / "mid.wav"), str(d / "low-then-mid.wav"))
    write_clicks(d / "clicks.wav")
    sox("-n", "-r", "8000", "-c", "1", str(d / "eleven-minutes.ogg"), "trim", "0", "660")
    sox("-n", "-r", "8000", "-c", "1", "-b", "16", str(d / "silence.wav"), "trim", "0", "2")
    (d / "phone-memo.m4a").write_bytes(M4A_HEAD + bytes(2000))  # refused by its first bytes
    (d / "playlist.mp3").write_text("#EXTM3U\n#EXTINF:10.0,\nfile:///etc/hostname\n"
                                    "#EXT-X-ENDLIST\n")
    (d / "picture.mp3").write_bytes(PNG_MAGIC + bytes(range(256)) * 8)
    (d / "notes.wav").write_text("These are my notes, not a recording.\n" * 20)
    (d / "empty.mp3").write_bytes(b"")
    wav = (d / "tone.wav").read_bytes()
    (d / "truncated.wav").write_bytes(wav[:35_000])   # header says 3 s, 0.2 s is there
    (d / "damaged.wav").write_bytes(wav[:30])         # the RIFF header and nothing to read
    return d


@pytest.fixture
def fmt() -> AudioFormat:
    return AudioFormat(RATE)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConfigStore]:
    """A real configuration store (the web tests of audio check references against it)."""
    store = ConfigStore(tmp_path / "config.json")
    yield store
    store.close()


@pytest.fixture
def library(tmp_path: Path, fmt: AudioFormat) -> AudioLibrary:
    return AudioLibrary(tmp_path / "audio", fmt)


def upload(library: AudioLibrary, path: Path, name: str = "", **kwargs: object):
    with open(path, "rb") as f:
        return library.add(name, path.name, f, **kwargs)


def sox_stats(pcm: Path, rate: int = RATE) -> dict[str, float]:
    """sox's ``stats`` of raw S16_LE mono: ``Pk lev dB``, ``RMS lev dB`` …"""
    out = tool("sox", "-t", "raw", "-r", str(rate), "-e", "signed", "-b", "16", "-c", "1",
               str(pcm), "-n", "stats").stderr
    stats = {}
    for line in out.splitlines():
        found = re.match(r"(.+?)\s{2,}(-?[\d.]+|-inf)$", line.strip())
        if found:
            stats[found.group(1)] = float(found.group(2))
    return stats


def integrated_lufs(pcm: Path, rate: int = RATE) -> float:
    """EBU R128 integrated loudness of raw S16_LE mono, straight from ITU-R BS.1770-4.

    Written out here in plain Python (slow, but test clips are short) rather than taken from the
    code under test, which has sox do the K-weighting.
    """
    x = [v / 32768 for v in samples(pcm.read_bytes())]
    for b, a in _k_weighting(rate):
        y, x1, x2, y1, y2 = [], 0.0, 0.0, 0.0, 0.0
        for v in x:
            out = b[0] * v + b[1] * x1 + b[2] * x2 - a[0] * y1 - a[1] * y2
            x2, x1, y2, y1 = x1, v, y1, out
            y.append(out)
        x = y
    block, step = int(0.4 * rate), rate // 10
    powers = [sum(v * v for v in x[i:i + block]) / block
              for i in range(0, len(x) - block + 1, step)]
    audible = [z for z in powers if z > 0 and -0.691 + 10 * math.log10(z) > -70]
    assert audible, "no audible block"
    gate = -0.691 + 10 * math.log10(sum(audible) / len(audible)) - 10
    kept = [z for z in audible if -0.691 + 10 * math.log10(z) > gate]
    return -0.691 + 10 * math.log10(sum(kept) / len(kept))


def _k_weighting(rate: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """BS.1770's pre-filter (high shelf, +4 dB) and RLB high-pass, bilinear at ``rate``."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    vh, q = 10 ** (3.999843853973347 / 20), 0.7071752369554196
    vb = vh ** 0.4996667741545416
    n = 1 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / n, 2 * (k * k - vh) / n, (vh - vb * k / q + k * k) / n)
    poles = (2 * (k * k - 1) / n, (1 - k / q + k * k) / n)
    k, q = math.tan(math.pi * 38.13547087602444 / rate), 0.5003270373238773
    n = 1 + k / q + k * k
    return [(shelf, poles), ((1.0, -2.0, 1.0), (2 * (k * k - 1) / n, (1 - k / q + k * k) / n))]


def rms(samples: array) -> float:
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


def samples(pcm: bytes) -> array:
    values = array("h")
    values.frombytes(pcm)
    return values
