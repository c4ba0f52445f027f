"""What a desk handset's earpiece hears from the box, the way the country's phones sound:
dial tone when lifted with no call, busy once the caller has gone, and a short beep when a
call is put through.

Tone specs are Asterisk's (``indications.conf.sample``): ``f`` or ``f1+f2`` in Hz, and for a
cadence ``spec/ms`` segments separated by commas (``0/ms`` is silence). One cycle is rendered;
the audio engine loops it.
"""

from __future__ import annotations

from array import array
from functools import lru_cache

from .format import AudioFormat
from .tones import sine

LEVEL_DBFS = -16.0
STEADY_S = 1.0           # a steady tone is rendered as one second and looped
CONNECTED = "1400/100"   # the "you are through" beep


COUNTRY_TONES: dict[str, tuple[str, str]] = {      # country: (dial, busy)
    "ES": ("425", "425/200,0/200"),
    "PT": ("425", "425/500,0/500"),
    "FR": ("440", "440/500,0/500"),
    "DE": ("425", "425/480,0/480"),
    "IT": ("425/200,0/200,425/600,0/1000", "425/500,0/500"),
    "GB": ("350+440", "400/375,0/375"),
    "US": ("350+440", "480+620/500,0/500"),
    "MX": ("425", "425/250,0/250"),
    "AR": ("425", "425/300,0/300"),
    "CL": ("400", "400/500,0/500"),
    "CO": ("425", "425/250,0/250"),
    "BR": ("425", "425/250,0/250"),
}


def _segment(spec: str, fmt: AudioFormat) -> bytes:
    freqs, _, ms = spec.partition("/")
    seconds = int(ms) / 1000 if ms else STEADY_S
    if freqs == "0":
        return bytes(round(seconds * fmt.rate) * 2)
    parts = [float(f) for f in freqs.split("+")]
    level = LEVEL_DBFS - 6.0 * (len(parts) - 1)          # two tones: each 6 dB lower
    mixed = [sine(f, seconds, fmt, level) for f in parts]
    if len(mixed) == 1:
        return mixed[0]
    a, b = array("h", mixed[0]), array("h", mixed[1])
    return array("h", (x + y for x, y in zip(a, b, strict=True))).tobytes()


@lru_cache(maxsize=64)
def render(spec: str, fmt: AudioFormat) -> bytes:
    """One cycle of an Asterisk tone spec as PCM in ``fmt``."""
    return b"".join(_segment(part.strip(), fmt) for part in spec.split(","))


def dial_tone(country: str, fmt: AudioFormat) -> bytes:
    return render(COUNTRY_TONES[country.upper()][0], fmt)


def busy_tone(country: str, fmt: AudioFormat) -> bytes:
    return render(COUNTRY_TONES[country.upper()][1], fmt)


def connected_beep(fmt: AudioFormat) -> bytes:
    return render(CONNECTED, fmt)
