"""How a desk handset's bell rings in each country: the cadence (bell on/off times) and the
ring frequency the SLIC's F/R pin is switched at.

Cadences are Asterisk's (``configs/samples/indications.conf.sample``, as FreePBX ships it).
Ring frequency: 20 Hz where North American practice is followed (US, Mexico), 25 Hz in the
rest of the table (Europe and South America); a handset may set its own if its bell disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RingCadence:
    """``pairs``: (bell on, bell off) seconds, repeated in order while the handset rings."""

    pairs: tuple[tuple[float, float], ...]
    frequency_hz: float = 25.0

    def __post_init__(self) -> None:
        if not self.pairs or any(on <= 0 or off < 0 for on, off in self.pairs):
            raise ValueError("a cadence needs (on, off) pairs with on > 0 and off >= 0")
        if not 10 <= self.frequency_hz <= 60:
            raise ValueError("ring frequency must be 10-60 Hz")

    def to_dict(self) -> dict[str, Any]:
        """As ``/api/status`` shows it: ``on_s``/``off_s`` for a single pair, always the pairs."""
        out: dict[str, Any] = {"pairs_s": [list(pair) for pair in self.pairs],
                               "frequency_hz": self.frequency_hz}
        if len(self.pairs) == 1:
            out["on_s"], out["off_s"] = self.pairs[0]
        return out


def _simple(on_ms: int, off_ms: int, hz: float = 25.0) -> RingCadence:
    return RingCadence(((on_ms / 1000, off_ms / 1000),), hz)


COUNTRY_CADENCES: dict[str, RingCadence] = {
    "ES": _simple(1500, 3000),
    "PT": _simple(1000, 5000),
    "FR": _simple(1500, 3500),
    "DE": _simple(1000, 4000),
    "IT": _simple(1000, 4000),
    "GB": RingCadence(((0.4, 0.2), (0.4, 2.0))),          # the double ring
    "US": _simple(2000, 4000, 20.0),
    "MX": _simple(2000, 4000, 20.0),
    "AR": _simple(1000, 4500),
    "CL": _simple(1000, 3000),
    "CO": _simple(1000, 4000),
    "BR": _simple(1000, 4000),
}


def cadence_for(country: str, frequency_hz: float | None = None) -> RingCadence:
    """The cadence of ``country`` (ISO 3166 code, any case), at its own frequency unless one
    is given. Raises ValueError naming the countries known."""
    cadence = COUNTRY_CADENCES.get(country.upper())
    if cadence is None:
        raise ValueError(f"no ring cadence for '{country}'; known: "
                         + ", ".join(sorted(COUNTRY_CADENCES)))
    return cadence if frequency_hz is None else RingCadence(cadence.pairs, frequency_hz)
