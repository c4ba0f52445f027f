"""One voicemail: a port's capture into a WAV file, ending on length, silence or command.

The WAV is written as ``<name>.wav.part`` and renamed to ``<name>.wav`` only once its header
is final, so whoever lists the recordings folder never sees a truncated file, even after a power
cut in the middle of a message. The file is opened lazily on the worker thread (no disk I/O on
the core thread); a recorder stopped before anything was captured still leaves a valid, empty WAV.

Only the port's worker thread calls ``feed`` and ``finish``.
"""

from __future__ import annotations

import math
import os
import wave
from operator import mul
from pathlib import Path

from .format import SAMPLE_WIDTH, AudioFormat
from .tones import FULL_SCALE, to_samples

MAX_LENGTH, SILENCE, STOPPED, ERROR = "max_length", "silence", "stopped", "error"


def dbfs(pcm: bytes) -> float:
    """RMS level of S16LE audio in dB relative to full scale (-inf for digital silence)."""
    samples = to_samples(pcm)
    if not samples:
        return -math.inf
    power = sum(map(mul, samples, samples)) / len(samples)
    return 10 * math.log10(power / FULL_SCALE ** 2) if power else -math.inf


class Recorder:
    """Counts what it writes; ends at ``max_s`` or after ``silence_s`` below ``silence_dbfs``.

    Silence counts from the start too: a caller who says nothing after the beep gets hung up on
    after ``silence_s``, not after the full ``max_s``. Nothing is trimmed: the file holds every
    captured period, trailing silence included, so ``seconds`` is the file's length.
    """

    def __init__(self, path: Path, fmt: AudioFormat, *, beep_token: int, max_s: float,
                 silence_s: float, silence_dbfs: float) -> None:
        self.path = path
        self.fmt = fmt
        self.beep_token = beep_token
        self.silence_dbfs = silence_dbfs
        self._max_frames = max(1, round(max_s * fmt.rate))
        self._silence_frames = max(1, round(silence_s * fmt.rate))
        self._frames = 0
        self._quiet_frames = 0
        self._wav: wave.Wave_write | None = None
        self.finished = False

    @property
    def part_path(self) -> Path:
        return self.path.with_name(self.path.name + ".part")

    @property
    def seconds(self) -> float:
        return self._frames / self.fmt.rate

    def feed(self, period: bytes) -> str | None:
        """Append one period; return why the recording is over, or None to go on."""
        if self._wav is None:
            self._wav = self._open()
        self._wav.writeframesraw(period)
        frames = len(period) // (SAMPLE_WIDTH * self.fmt.channels)
        self._frames += frames
        if dbfs(period) < self.silence_dbfs:
            self._quiet_frames += frames
        else:
            self._quiet_frames = 0
        if self._frames >= self._max_frames:
            return MAX_LENGTH
        if self._quiet_frames >= self._silence_frames:
            return SILENCE
        return None

    def _open(self) -> wave.Wave_write:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        wav = wave.open(str(self.part_path), "wb")  # noqa: SIM115 (closed in finish)
        wav.setnchannels(self.fmt.channels)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(self.fmt.rate)
        return wav

    def finish(self) -> float:
        """Close the WAV (header patched with the real length), fsync, rename; return seconds."""
        if self.finished:
            return self.seconds
        self.finished = True
        if self._wav is None:
            self._wav = self._open()
        wav, self._wav = self._wav, None
        wav.close()
        with open(self.part_path, "rb") as written:
            os.fsync(written.fileno())
        os.replace(self.part_path, self.path)
        return self.seconds
