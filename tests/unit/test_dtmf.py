"""The DTMF detector on synthetic keys, on keys under noise, and on speech (espeak-ng, as the
box's prompts are made), which must give no key at all."""

from __future__ import annotations

import random
from array import array

import pytest

from appliance.core.desk import FeatureCode, read_code
from appliance.media.speech import Speech
from hardware.audio.dtmf import DtmfDetector, dialled, dtmf_tone
from hardware.audio.format import LINE_FORMAT


def test_every_key_is_heard_once_in_order():
    keys = "0123456789*#ABCD"
    assert DtmfDetector().feed(dialled(keys)) == list(keys)


def test_pieces_of_any_size_and_a_long_press_is_one_key():
    pcm = dialled("5") + dtmf_tone("5", 1.0) + bytes(1600)
    detector = DtmfDetector()
    heard = [key for i in range(0, len(pcm), 333) for key in detector.feed(pcm[i:i + 333])]
    assert heard == ["5", "5"]                    # two presses (a gap between), not three


def test_keys_under_noise_are_still_heard():
    rng = random.Random(7)
    clean = array("h", dialled("*2#"))
    noisy = array("h", (max(-32768, min(32767, x + int(rng.gauss(0, 2500)))) for x in clean))
    assert DtmfDetector().feed(noisy.tobytes()) == ["*", "2", "#"]


@pytest.mark.parametrize("text", [
    "Buenos días, le atiende la oficina. ¿En qué puedo ayudarle? Uno, dos, tres, cuatro.",
    "Hello, this is the office. Press one for sales, two for our hours, or zero.",
    "Aaaaaa eeeeee iiiiii ooooo uuuuu mmmmmm",
])
def test_speech_gives_no_key(tmp_path, text):
    speech = Speech(tmp_path, LINE_FORMAT).render(text)
    assert DtmfDetector().feed(speech) == []


def test_feature_codes_are_read_as_they_are_dialled():
    assert read_code("*") is True                 # not yet
    assert read_code("*2") is FeatureCode.AWAY
    assert read_code("*1") is FeatureCode.AVAILABLE
    assert read_code("*0") is FeatureCode.CALL_BACK
    assert read_code("*9") is False
    assert read_code("5") is False
