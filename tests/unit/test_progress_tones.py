"""Call-progress tones per country, rendered from Asterisk's tone specs, as the engine plays
them to a desk handset."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware.audio.format import LINE_FORMAT
from hardware.audio.mixer import AudioEngine
from hardware.audio.progress import COUNTRY_TONES, busy_tone, dial_tone, render
from hardware.audio.sources import Tone
from hardware.ringing import COUNTRY_CADENCES
from tests.goertzel import power_at

PERIOD = 320          # bytes in 20 ms at 8 kHz


def test_every_country_with_a_ring_cadence_has_its_tones():
    assert set(COUNTRY_TONES) == set(COUNTRY_CADENCES)


def test_spains_dial_tone_is_a_steady_425_hz_and_its_busy_tone_200_ms_on_200_off():
    dial = dial_tone("ES", LINE_FORMAT)
    assert len(dial) == 8000 * 2
    assert power_at(dial[:1600], 425) > 0.9
    busy = busy_tone("es", LINE_FORMAT)
    assert len(busy) == 8000 * 2 * 0.4
    assert power_at(busy[:PERIOD * 10], 425) > 0.9
    assert not any(busy[PERIOD * 10:])


def test_a_two_tone_spec_carries_both_tones():
    us_dial = render("350+440", LINE_FORMAT)
    assert power_at(us_dial[:1600], 350) > 0.3
    assert power_at(us_dial[:1600], 440) > 0.3


@pytest.mark.parametrize("country", ["ES", "US"])
def test_the_engine_plays_the_boxs_country_tones(country):
    engine = AudioEngine({}, lambda source: b"", recordings=Path("/nonexistent"),
                         country=country)
    assert engine._load(Tone.DIAL, loop=True) == dial_tone(country, LINE_FORMAT)
    assert engine._load(Tone.BUSY, loop=True) == busy_tone(country, LINE_FORMAT)
