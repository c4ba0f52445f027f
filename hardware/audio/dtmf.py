"""Keys pressed on a desk handset, heard in its audio: a DTMF detector (Goertzel filters).

Used where the key arrives as sound, not as a signal: a lifted idle handset dialling a feature
code. Each 205-sample block (25.6 ms at 8 kHz: the classic size, whose bins fall near the
eight DTMF frequencies) is tested for one row and one column tone that together carry most of
the block's energy, each well above the other tones of its group, with the two within 8 dB of
each other (twist). A digit counts once it holds for two blocks and is told once per press;
speech rarely holds two clean tones that long, which the tests check with espeak-ng speech.
"""

from __future__ import annotations

import math
from array import array

RATE = 8000
BLOCK = 205
ROWS = (697.0, 770.0, 852.0, 941.0)
COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
MIN_SHARE = 0.6          # of the block's energy in the row + column tones
MIN_SEPARATION = 4.0     # each tone over the next strongest of its group (power ratio)
MAX_TWIST = 10 ** 0.8    # 8 dB between the row and column tones
MIN_LEVEL = 1e4          # mean square of the block: below is silence (about -40 dBFS)


def _coefficient(freq: float) -> float:
    return 2 * math.cos(2 * math.pi * round(BLOCK * freq / RATE) / BLOCK)


_COEFFICIENTS = {f: _coefficient(f) for f in ROWS + COLUMNS}


def _power(samples: array, freq: float) -> float:
    k = _COEFFICIENTS[freq]
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def block_key(samples: array) -> str | None:
    """The key a block of ``BLOCK`` 16-bit samples holds, or None."""
    energy = sum(x * x for x in samples)
    if energy / len(samples) < MIN_LEVEL:
        return None
    rows = sorted(((_power(samples, f), i) for i, f in enumerate(ROWS)), reverse=True)
    cols = sorted(((_power(samples, f), i) for i, f in enumerate(COLUMNS)), reverse=True)
    (row, r), (col, c) = rows[0], cols[0]
    if row < MIN_SEPARATION * rows[1][0] or col < MIN_SEPARATION * cols[1][0]:
        return None
    if max(row, col) > MAX_TWIST * min(row, col):
        return None
    if (row + col) * 2 / len(samples) < MIN_SHARE * energy:
        return None
    return KEYS[r][c]


class DtmfDetector:
    """Feed 16-bit mono PCM at 8 kHz in any pieces; ``feed`` returns the keys completed."""

    def __init__(self) -> None:
        self._pending = array("h")
        self._odd = b""                  # half a sample left by the last piece
        self._last: str | None = None
        self._told = False

    def feed(self, pcm: bytes) -> list[str]:
        data = self._odd + pcm
        cut = len(data) // 2 * 2
        self._pending.frombytes(data[:cut])
        self._odd = data[cut:]
        keys = []
        while len(self._pending) >= BLOCK:
            block, self._pending = self._pending[:BLOCK], self._pending[BLOCK:]
            key = block_key(block)
            if key is not None and key == self._last and not self._told:
                keys.append(key)
                self._told = True
            elif key != self._last:
                self._told = False
            self._last = key
        return keys


def dtmf_tone(key: str, seconds: float = 0.08, level: float = 0.3) -> bytes:
    """16-bit PCM of ``key`` pressed for ``seconds`` (both tones at ``level`` of full scale)."""
    row = next(i for i, keys in enumerate(KEYS) if key in keys)
    low, high = ROWS[row], COLUMNS[KEYS[row].index(key)]
    amplitude = 32767 * level
    return array("h", (int(amplitude * (math.sin(2 * math.pi * low * n / RATE)
                                        + math.sin(2 * math.pi * high * n / RATE)))
                       for n in range(int(seconds * RATE)))).tobytes()


def dialled(keys: str, *, press_s: float = 0.08, gap_s: float = 0.08) -> bytes:
    """PCM of ``keys`` dialled one after another with silence between (a keypad's timing)."""
    silence = bytes(int(gap_s * RATE) * 2)
    return silence + b"".join(dtmf_tone(k, press_s) + silence for k in keys)
