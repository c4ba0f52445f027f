"""How much of a 16-bit mono 8 kHz signal is one frequency: how tests check what was heard."""

from __future__ import annotations

import math
from array import array

RATE = 8000


def power_at(pcm: bytes, freq: float) -> float:
    """Goertzel: the relative power of ``freq`` in 16-bit mono PCM at 8 kHz (0..1)."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    energy = sum(x * x for x in samples) or 1
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (energy * len(samples) / 2)
