"""Tones generated in the line format, so the product ships no audio files of its own.

``hold_tone`` is what callers hear while their team has no hold audio set (the owner's audio is
theirs; we ship none): a soft beep every four seconds says "you are still connected" without
pretending to be music. ``beep`` marks the start of a voicemail recording, and on a desk
handset says a feature code was taken; ``refused`` (three short low beeps, like a busy tone)
says it was not.

Every tone fades in and out over a few milliseconds: a sine cut at full amplitude clicks, and a
click every four seconds on hold is exactly what the callers would complain about.
Pure ``array('h')``: no numpy on the Pi image.
"""

from __future__ import annotations

import math
import sys
from array import array
from functools import lru_cache

from .format import AudioFormat

FULL_SCALE = 32767
HOLD_FREQ_HZ = 425.0       # the European "call progress" frequency: sounds like a phone line
HOLD_ON_S = 0.2
HOLD_OFF_S = 3.8
HOLD_LEVEL_DBFS = -20.0
BEEP_FREQ_HZ = 1000.0
BEEP_S = 0.3
BEEP_LEVEL_DBFS = -12.0
FADE_S = 0.02


def sine(freq: float, seconds: float, fmt: AudioFormat, level_dbfs: float = -20.0, *,
         fade_s: float = 0.0) -> bytes:
    """``seconds`` of a sine at ``level_dbfs`` peak, S16LE, with raised-cosine fades."""
    count = round(seconds * fmt.rate)
    amplitude = FULL_SCALE * 10 ** (level_dbfs / 20)
    step = 2 * math.pi * freq / fmt.rate
    samples = array("h", (round(amplitude * math.sin(step * i)) for i in range(count)))
    ramp = min(round(fade_s * fmt.rate), count // 2)
    for i in range(ramp):
        gain = 0.5 - 0.5 * math.cos(math.pi * i / ramp)
        samples[i] = round(samples[i] * gain)
        samples[count - 1 - i] = round(samples[count - 1 - i] * gain)
    return to_bytes(samples)


def to_bytes(samples: array) -> bytes:
    """Samples as little-endian bytes whatever the machine's byte order."""
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def to_samples(pcm: bytes) -> array:
    """Little-endian S16 bytes as an ``array('h')`` in machine order."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


@lru_cache(maxsize=4)
def hold_tone(fmt: AudioFormat) -> bytes:
    """One 4 s cycle: a soft 425 Hz beep (0.2 s, -20 dBFS) then 3.8 s of silence. Loop it."""
    tone = sine(HOLD_FREQ_HZ, HOLD_ON_S, fmt, HOLD_LEVEL_DBFS, fade_s=FADE_S)
    return tone + bytes(round(HOLD_OFF_S * fmt.rate) * 2)


@lru_cache(maxsize=4)
def refused(fmt: AudioFormat) -> bytes:
    """Three 425 Hz beeps of 0.15 s with 0.15 s between: "no" on a desk handset."""
    tone = sine(HOLD_FREQ_HZ, 0.15, fmt, BEEP_LEVEL_DBFS, fade_s=0.01)
    gap = bytes(round(0.15 * fmt.rate) * 2)
    return (tone + gap) * 3


@lru_cache(maxsize=4)
def beep(fmt: AudioFormat) -> bytes:
    """The voicemail start beep: 1 kHz for 0.3 s."""
    return sine(BEEP_FREQ_HZ, BEEP_S, fmt, BEEP_LEVEL_DBFS, fade_s=0.01)
