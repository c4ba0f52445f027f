"""Fixtures for the audio library and speech: real sound files made on the fly with ffmpeg.

Nothing is checked in: each test session renders its tones, the long silent file and the
broken files into a temporary directory once. The measuring helpers call ffmpeg and sox
directly, so the checks do not depend on the code under test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from array import array
from pathlib import Path

import pytest

from appliance.audio_library import AudioLibrary
from hardware.audio.format import AudioFormat

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed (apt install ffmpeg); CI installs it")
needs_sox = pytest.mark.skipif(shutil.which("sox") is None,
                               reason="sox not installed (apt install sox libsox-fmt-all)")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (apt install espeak-ng)")

RATE = 8000
TONE_S = 3.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an installed media tool by its full path; its report (stderr) is returned."""
    path = shutil.which(name)
    assert path, f"{name} is not installed"
    return subprocess.run([path, *args], capture_output=True, text=True,  # noqa: S603
                          check=True)


def ffmpeg(*args: str) -> None:
    tool("ffmpeg", "-nostdin", "-v", "error", "-y", *args)


@pytest.fixture(scope="session")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of test files, made once per session (about a second of ffmpeg)."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed (apt install ffmpeg)")
    d = tmp_path_factory.mktemp("sounds")
    tone = f"sine=frequency=440:duration={TONE_S}:sample_rate=44100"
    ffmpeg("-f", "lavfi", "-i", tone, "-ac", "2", str(d / "tone.wav"))  # stereo: tests downmix
    for name, codec in (("tone.mp3", "libmp3lame"), ("tone.ogg", "libvorbis"),
                        ("tone.opus.ogg", "libopus"), ("tone.flac", "flac")):
        ffmpeg("-i", str(d / "tone.wav"), "-c:a", codec, str(d / name))
    ffmpeg("-f", "lavfi", "-i", tone, "-af", "volume=17dB", str(d / "loud.wav"))   # ~ -1 dBFS
    ffmpeg("-f", "lavfi", "-i", tone, "-af", "volume=-30dB", str(d / "quiet.wav"))  # ~ -48 dBFS
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=100:duration=1.5:sample_rate=44100",
           "-f", "lavfi", "-i", "sine=frequency=1000:duration=1.5:sample_rate=44100",
           "-filter_complex", "[0][1]concat=n=2:v=0:a=1", str(d / "low-then-mid.wav"))
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.05*sin(2*PI*440*t)+0.5*lt(mod(t\\,0.5)\\,0.001)"
           ":s=44100:d=3", str(d / "clicks.wav"))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "660", "-c:a", "libvorbis",
           str(d / "eleven-minutes.ogg"))
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(d / "phone-memo.m4a"))
    (d / "playlist.mp3").write_text("#EXTM3U\n#EXTINF:10.0,\nfile:///etc/hostname\n"
                                    "#EXT-X-ENDLIST\n")
    (d / "picture.mp3").write_bytes(PNG_MAGIC + bytes(range(256)) * 8)
    (d / "notes.wav").write_text("These are my notes, not a recording.\n" * 20)
    (d / "empty.mp3").write_bytes(b"")
    mp3 = (d / "tone.mp3").read_bytes()
    (d / "truncated.mp3").write_bytes(mp3[:4000])     # header says 3 s, 0.2 s decodes
    (d / "damaged.mp3").write_bytes(mp3[:300])        # the tag and nothing to decode
    return d


@pytest.fixture
def fmt() -> AudioFormat:
    return AudioFormat(RATE)


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
    """EBU R128 integrated loudness by ffmpeg's ebur128 filter."""
    out = tool("ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(rate),
               "-ac", "1", "-i", str(pcm), "-af", "ebur128", "-f", "null", "-").stderr
    found = re.search(r"Summary:.*?I:\s+(-?[\d.]+) LUFS", out, re.S)
    assert found, out[-500:]
    return float(found.group(1))


def rms(samples: array) -> float:
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


def samples(pcm: bytes) -> array:
    values = array("h")
    values.frombytes(pcm)
    return values
