"""The one audio format of a line: signed 16-bit little-endian mono, 8 or 16 kHz, 20 ms periods.

Everything the appliance plays is converted to this once (uploads at upload time, spoken
prompts when rendered), so nothing is resampled during a call.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE_WIDTH = 2          # bytes, S16_LE
PERIOD_S = 0.020          # 20 ms: what modems and SLIC sound cards exchange


@dataclass(frozen=True)
class AudioFormat:
    rate: int = 8000      # 8000 or 16000 Hz
    channels: int = 1

    def __post_init__(self) -> None:
        if self.rate not in (8000, 16000) or self.channels != 1:
            raise ValueError("line audio is mono at 8000 or 16000 Hz")

    @property
    def period_frames(self) -> int:
        return int(self.rate * PERIOD_S)

    @property
    def period_bytes(self) -> int:
        return self.period_frames * SAMPLE_WIDTH * self.channels

    def seconds(self, nbytes: int) -> float:
        return nbytes / (self.rate * SAMPLE_WIDTH * self.channels)

    def silence(self, periods: int = 1) -> bytes:
        return bytes(self.period_bytes * periods)


LINE_FORMAT = AudioFormat(8000)
