"""The REAL pyalsaaudio path, on ALSA ``file`` devices from a test asoundrc (see conftest).

Playback devices write raw S16LE files, so the assertions are on the exact bytes that reached
ALSA. Every AlsaPort first writes ``prefill_periods`` (2) periods of silence: the cushion that
keeps a real card from underrunning; it shows up at the start of each file. Files are read after
``engine.close()``, when the devices are closed and flushed.
"""

from __future__ import annotations

import wave
from types import SimpleNamespace

import pytest

from appliance.events import PlaybackEnded
from hardware.audio.format import LINE_FORMAT
from hardware.audio.mixer import RecordingFinished
from hardware.audio.ports import AlsaPort, AudioDeviceError, check_info
from hardware.audio.sources import File, Say, Tone
from hardware.audio.tones import beep, hold_tone
from tests.audio.conftest import PERIOD, Pacers, pattern
from tests.audio.test_mixer import BEEP_PERIODS, lockstep

PREFILL = LINE_FORMAT.silence(2)


def test_hold_audio_reaches_alsa_exactly_looped(asound, make_engine, pacers):
    files = asound(["l1"])
    music = pattern(7)[:-PERIOD // 2] + hold_tone(LINE_FORMAT)[:999 * 2]   # odd length
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1")}, {"file:hold.wav": music})
    engine.play("line:l1", File("hold.wav"), loop=True)
    pacers.step("line:l1", 60)
    engine.close()
    assert files.played("l1") == PREFILL + (music * 8)[:60 * PERIOD]


def test_the_hold_tone_loops_through_alsa(asound, make_engine, pacers):
    files = asound(["l1"])
    tone = hold_tone(LINE_FORMAT)
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1")}, {"tone:hold": tone})
    engine.play("line:l1", Tone.HOLD, loop=True)
    pacers.step("line:l1", 250)                       # 5 s: one cycle and a quarter
    engine.close()
    assert files.played("l1") == PREFILL + (tone * 2)[:250 * PERIOD]


def test_a_prompt_then_silence_and_its_playback_ended(asound, make_engine, pacers, events):
    files = asound(["l1"])
    prompt = pattern(4)[:-60]
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1")}, {"say:hello": prompt})
    token = engine.play("line:l1", Say("hello"))
    pacers.step("line:l1", 3)
    assert events.items == []
    pacers.step("line:l1", 5)
    assert events.items == [PlaybackEnded("line:l1", token)]
    engine.close()
    assert files.played("l1") == PREFILL + prompt + bytes(8 * PERIOD - len(prompt))


def test_the_bridge_copies_both_directions_frame_exact(asound, make_engine, pacers):
    caller, agent = pattern(40, voice=1), pattern(40, voice=2)
    files = asound(["l1", "s1"], mics={"l1": caller, "s1": agent})
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1", "l1mic"),
                          "station:s1": AlsaPort("station:s1", "s1", "s1mic")})
    engine.bridge("line:l1", "station:s1")
    lockstep(pacers, ["line:l1", "station:s1"], 40)
    engine.close()
    assert files.played("s1") == PREFILL + caller
    assert files.played("l1") == PREFILL + LINE_FORMAT.silence() + agent[:39 * PERIOD]


def recorded(tmp_path, name: str) -> bytes:
    with wave.open(str(tmp_path / "rec" / f"{name}.wav"), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        return wav.readframes(wav.getnframes())


@pytest.mark.parametrize(("said", "kwargs", "periods", "reason"), [
    (pattern(25), {"max_s": 0.5}, 25, "max_length"),
    (pattern(8) + bytes(10 * PERIOD), {"silence_s": 0.2}, 18, "silence"),
])
def test_the_recorder_keeps_what_the_caller_said_after_the_beep(
        tmp_path, asound, make_engine, events, said, kwargs, periods, reason):
    files = asound(["l1"], mics={"l1": said})
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1", "l1mic")},
                         pacer_factory=Pacers(budget=None))
    engine.record("line:l1", "call-7", **kwargs)
    [done] = events.wait(RecordingFinished)
    assert done == RecordingFinished("line:l1", "call-7", pytest.approx(periods * 0.02), reason)
    assert recorded(tmp_path, "call-7") == said[:periods * PERIOD]
    engine.close()
    assert files.played("l1").startswith(PREFILL + beep(LINE_FORMAT))


def test_stop_ends_a_recording_on_alsa(tmp_path, asound, make_engine, pacers, events):
    said = pattern(20)
    asound(["l1"], mics={"l1": said})
    engine = make_engine({"line:l1": AlsaPort("line:l1", "l1", "l1mic")})
    engine.record("line:l1", "call-8")
    pacers.step("line:l1", BEEP_PERIODS + 12)
    engine.stop("line:l1")
    pacers.step("line:l1", 1)
    [done] = events.wait(RecordingFinished)
    assert done == RecordingFinished("line:l1", "call-8", pytest.approx(0.24), "stopped")
    assert recorded(tmp_path, "call-8") == said[:12 * PERIOD]


def test_a_missing_device_says_what_to_check(asound):
    asound(["l1"])
    with pytest.raises(AudioDeviceError, match=r"'hs9'.*station:s9.*'hs9' names it.*aplay -L"):
        AlsaPort("station:s9", "hs9").open()
    port = AlsaPort("station:s1", "l1", "nomic")
    with pytest.raises(AudioDeviceError, match=r"capture device 'nomic'.*plugged in"):
        port.open()
    port.close()                                      # nothing left open; closing is harmless


def test_the_engine_survives_a_missing_device(asound, make_engine, events):
    asound(["l1"])
    engine = make_engine({"station:s9": AlsaPort("station:s9", "hs9")}, {"say:x": pattern(1)})
    token = engine.play("station:s9", Say("x"))
    assert events.wait(PlaybackEnded) == [PlaybackEnded("station:s9", token)]
    assert engine.wait_idle(5)
    assert "hs9" in engine.errors["station:s9"]


def test_info_mismatches_are_named():
    info = {"rate": 44100, "channels": 2, "format_name": "S16_LE", "period_size": 882}
    assert check_info(info, LINE_FORMAT) == ("runs at rate 44100 instead of 8000, "
                                             "channels 2 instead of 1")
    assert check_info({**info, "rate": 8000, "channels": 1}, LINE_FORMAT) == ""


class UnderrunOnce:
    """Stands in for a pyalsaaudio PCM: the first write reports -EPIPE, as after an underrun."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.writes.append(data)
        return -32 if len(self.writes) == 1 else len(data) // 2


def test_an_underrun_is_recovered_by_refilling_and_writing_again():
    port = AlsaPort("station:s1", "s1", prefill_periods=2)
    port._alsa = SimpleNamespace(ALSAAudioError=OSError)
    port._out = pcm = UnderrunOnce()
    port.write_period(pattern(1))
    assert pcm.writes == [pattern(1), LINE_FORMAT.silence(), LINE_FORMAT.silence(), pattern(1)]
    assert port.underruns == 1


class OverrunOnce:
    """Stands in for a capture PCM: -EPIPE once (an overrun), then periods of 100 frames."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self) -> tuple[int, bytes]:
        self.reads += 1
        if self.reads == 1:
            return -32, b""
        return 100, pattern(1, voice=self.reads)[:200]


def test_an_overrun_gives_silence_and_odd_period_sizes_are_pooled():
    port = AlsaPort("station:s1", "s1", "s1mic")
    port._alsa = SimpleNamespace(ALSAAudioError=OSError)
    port._in = pcm = OverrunOnce()
    assert port.read_period() == LINE_FORMAT.silence()
    assert port.overruns == 1
    pooled = b"".join(pattern(1, voice=v)[:200] for v in (2, 3, 4))
    assert port.read_period() == pooled[:PERIOD]
    assert port.read_period() == pooled[PERIOD:] + pattern(1, voice=5)[:40]   # 280 + 40 bytes
    assert pcm.reads == 5
