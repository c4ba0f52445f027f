"""The engine's logic on in-memory ports: what is written, in which period, and what is posted.

Every port worker runs on a ``StepPacer`` with a budget: ``pacers.step(port, n)`` lets it run n
ticks and returns once they are done, so the assertions are exact and nothing sleeps.
"""

from __future__ import annotations

import threading
import wave

import pytest

from appliance.events import PlaybackEnded
from hardware.audio.format import LINE_FORMAT, AudioFormat
from hardware.audio.mixer import AudioEngine, RecordingFinished
from hardware.audio.ports import AudioDeviceError, MemoryPort
from hardware.audio.sources import File, Say, Tone
from hardware.audio.tones import beep, hold_tone
from tests.audio.conftest import PERIOD, Pacers, pattern, split

SILENCE = LINE_FORMAT.silence()
BEEP_PERIODS = len(beep(LINE_FORMAT)) // PERIOD
LINGER = 10   # ticks of silence before an idle port closes (IDLE_LINGER_S / 20 ms)


def lockstep(pacers: Pacers, ports: list[str], ticks: int) -> None:
    """Run the ports' workers one tick each, in order, ``ticks`` times."""
    for _ in range(ticks):
        for port in ports:
            pacers.step(port, 1)


def audio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("audio-")]


def test_a_prompt_plays_then_silence_and_its_end_is_posted_after_the_last_period(
        make_engine, pacers, events):
    port = MemoryPort("line:l1")
    prompt = pattern(3)[:-100]                       # 2.7 periods: the last one is padded
    engine = make_engine({"line:l1": port}, {"say:hi": prompt})
    token = engine.play("line:l1", Say("hi"))
    pacers.step("line:l1", 2)
    assert events.of(PlaybackEnded) == []
    pacers.step("line:l1", 1)
    assert events.of(PlaybackEnded) == [PlaybackEnded("line:l1", token)]
    pacers.step("line:l1", 3)
    assert bytes(port.written) == prompt + bytes(6 * PERIOD - len(prompt))


def test_hold_audio_loops_back_to_back_with_no_gap_at_the_loop_point(make_engine, pacers):
    port = MemoryPort("line:l1")
    music = pattern(5)[:-PERIOD // 2]                # 4.5 periods: loops mid-period
    engine = make_engine({"line:l1": port}, {"file:hold.wav": music})
    engine.play("line:l1", File("hold.wav"), loop=True)
    pacers.step("line:l1", 40)
    assert bytes(port.written) == (music * 9)[:40 * PERIOD]


def test_an_idle_port_is_closed_and_its_thread_ends(make_engine, pacers):
    port = MemoryPort("line:l1")
    engine = make_engine({"line:l1": port}, {"tone:hold": hold_tone(LINE_FORMAT)})
    engine.play("line:l1", Tone.HOLD, loop=True)
    pacers.step("line:l1", 5)
    assert port.is_open
    assert engine.active_ports() == ["line:l1"]
    engine.stop("line:l1")
    pacers.step("line:l1", LINGER + 1)               # lingers on silence, then closes
    assert engine.wait_idle(5)
    assert not port.is_open
    assert (port.opens, port.closes) == (1, 1)
    assert port.periods()[5:] == [SILENCE] * LINGER


def test_stopping_a_prompt_midway_posts_no_playback_ended(make_engine, pacers, events):
    port = MemoryPort("line:l1")
    prompt = pattern(5)
    engine = make_engine({"line:l1": port}, {"say:long": prompt})
    engine.play("line:l1", Say("long"))
    pacers.step("line:l1", 2)
    engine.stop("line:l1")
    pacers.step("line:l1", LINGER + 1)
    assert engine.wait_idle(5)
    assert events.items == []
    assert port.periods() == split(prompt)[:2] + [SILENCE] * LINGER


def test_a_replaced_prompt_never_reports_its_end(make_engine, pacers, events):
    port = MemoryPort("line:l1")
    engine = make_engine({"line:l1": port}, {"say:a": pattern(5), "say:b": pattern(1, 2)})
    engine.play("line:l1", Say("a"))
    pacers.step("line:l1", 1)
    second = engine.play("line:l1", Say("b"))
    pacers.step("line:l1", 3)
    assert events.items == [PlaybackEnded("line:l1", second)]
    assert port.periods()[:2] == [split(pattern(5))[0], pattern(1, 2)]


def test_the_bridge_copies_both_directions_period_by_period(make_engine, pacers):
    line = MemoryPort("line:l1", capture=pattern(50, voice=1))
    desk = MemoryPort("station:s1", capture=pattern(50, voice=2))
    engine = make_engine({"line:l1": line, "station:s1": desk})
    engine.bridge("line:l1", "station:s1")
    lockstep(pacers, ["line:l1", "station:s1"], 50)
    # the desk ticks just after the line: it hears the line's period of the same tick; the
    # line hears the desk's previous period (silence on the very first tick)
    assert desk.periods() == split(pattern(50, voice=1))
    assert line.periods() == [SILENCE, *split(pattern(50, voice=2))[:49]]


def test_a_prompt_on_a_bridged_port_takes_priority_over_the_peer(make_engine, pacers, events):
    line = MemoryPort("line:l1", capture=pattern(10, voice=1))
    desk = MemoryPort("station:s1", capture=pattern(10, voice=2))
    engine = make_engine({"line:l1": line, "station:s1": desk}, {"say:x": pattern(2, voice=3)})
    engine.bridge("line:l1", "station:s1")
    lockstep(pacers, ["line:l1", "station:s1"], 3)
    token = engine.play("station:s1", Say("x"))
    lockstep(pacers, ["line:l1", "station:s1"], 4)
    caller = split(pattern(10, voice=1))
    assert desk.periods() == caller[:3] + split(pattern(2, voice=3)) + caller[5:7]
    assert line.periods() == [SILENCE, *split(pattern(10, voice=2))[:6]]   # unaffected
    assert events.items == [PlaybackEnded("station:s1", token)]


def test_unbridge_stops_the_copy_and_lets_both_ports_close(make_engine, pacers):
    line = MemoryPort("line:l1", capture=pattern(20, voice=1))
    desk = MemoryPort("station:s1", capture=pattern(20, voice=2))
    engine = make_engine({"line:l1": line, "station:s1": desk})
    engine.bridge("line:l1", "station:s1")
    lockstep(pacers, ["line:l1", "station:s1"], 3)
    engine.unbridge("line:l1", "station:s1")
    lockstep(pacers, ["line:l1", "station:s1"], LINGER + 1)
    assert engine.wait_idle(5)
    assert desk.periods()[3:] == [SILENCE] * LINGER
    assert not line.is_open
    assert not desk.is_open


def read_wav(path) -> tuple[wave._wave_params, bytes]:
    with wave.open(str(path), "rb") as wav:
        return wav.getparams(), wav.readframes(wav.getnframes())


@pytest.mark.parametrize(("capture", "kwargs", "periods", "reason"), [
    (pattern(30), {"max_s": 0.2}, 10, "max_length"),
    (pattern(6) + bytes(20 * PERIOD), {"silence_s": 0.1}, 11, "silence"),
    (bytes(20 * PERIOD), {"silence_s": 0.1}, 5, "silence"),
])
def test_a_recording_starts_after_the_beep_and_ends_by_itself(
        tmp_path, make_engine, events, capture, kwargs, periods, reason):
    line = MemoryPort("line:l1", capture=capture)
    engine = make_engine({"line:l1": line}, pacer_factory=Pacers(budget=None))
    engine.record("line:l1", "vm1", **kwargs)
    [done] = events.wait(RecordingFinished)
    assert done == RecordingFinished("line:l1", "vm1", periods * 0.02, reason)
    params, frames = read_wav(tmp_path / "rec" / "vm1.wav")
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 8000)
    assert frames == capture[:periods * PERIOD]
    assert bytes(line.written).startswith(beep(LINE_FORMAT))
    assert not (tmp_path / "rec" / "vm1.wav.part").exists()


def test_stop_ends_a_recording_with_a_complete_wav(tmp_path, make_engine, pacers, events):
    line = MemoryPort("line:l1", capture=pattern(30))
    engine = make_engine({"line:l1": line})
    engine.record("line:l1", "vm2")
    pacers.step("line:l1", BEEP_PERIODS + 4)
    engine.stop("line:l1")
    pacers.step("line:l1", 1)
    assert events.wait(RecordingFinished) == [RecordingFinished("line:l1", "vm2", 0.08, "stopped")]
    assert read_wav(tmp_path / "rec" / "vm2.wav")[1] == pattern(4)


def test_stop_during_the_beep_leaves_an_empty_valid_wav(tmp_path, make_engine, pacers, events):
    engine = make_engine({"line:l1": MemoryPort("line:l1")})
    engine.record("line:l1", "vm3")
    pacers.step("line:l1", 3)
    engine.stop("line:l1")
    pacers.step("line:l1", 1)
    assert events.wait(RecordingFinished) == [RecordingFinished("line:l1", "vm3", 0.0, "stopped")]
    params, frames = read_wav(tmp_path / "rec" / "vm3.wav")
    assert params.nframes == 0
    assert frames == b""


def test_close_finishes_a_running_recording(tmp_path, make_engine, pacers, events):
    engine = make_engine({"line:l1": MemoryPort("line:l1", capture=pattern(30))})
    engine.record("line:l1", "vm4")
    pacers.step("line:l1", BEEP_PERIODS + 2)
    engine.close()
    assert events.of(RecordingFinished) == [RecordingFinished("line:l1", "vm4", 0.04, "stopped")]
    assert read_wav(tmp_path / "rec" / "vm4.wav")[1] == pattern(2)


def test_a_bad_source_plays_the_hold_tone_on_hold_and_ends_a_prompt_at_once(
        make_engine, pacers, events):
    port = MemoryPort("line:l1")
    engine = make_engine({"line:l1": port})                  # resolves nothing: KeyError
    token = engine.play("line:l1", Say("missing"))
    pacers.step("line:l1", 1)
    assert events.items == [PlaybackEnded("line:l1", token)]
    engine.play("line:l1", File("missing.wav"), loop=True)
    pacers.step("line:l1", 10)
    assert bytes(port.written)[PERIOD:] == hold_tone(LINE_FORMAT)[:10 * PERIOD]


def test_an_unknown_port_is_logged_and_its_prompt_ends_at_once(make_engine, events):
    engine = make_engine({})
    token = engine.play("line:nowhere", Say("hi"))
    engine.bridge("line:nowhere", "station:nowhere")
    assert events.items == [PlaybackEnded("line:nowhere", token)]
    assert engine.active_ports() == []


def test_tones_are_generated_by_the_engine_not_the_resolver(make_engine, pacers):
    port = MemoryPort("line:l1")
    engine = make_engine({"line:l1": port})                  # resolves nothing
    engine.play("line:l1", Tone.HOLD, loop=True)
    pacers.step("line:l1", 3)
    assert bytes(port.written) == hold_tone(LINE_FORMAT)[:3 * PERIOD]


class FailingPort(MemoryPort):
    def __init__(self, name: str, writes_before_failure: int, capture: bytes = b"") -> None:
        super().__init__(name, capture=capture)
        self.budget = writes_before_failure

    def write_period(self, data: bytes) -> None:
        if self.budget == 0:
            raise AudioDeviceError("the sound card went away")
        self.budget -= 1
        super().write_period(data)


def test_a_failing_device_ends_the_prompt_and_is_retried_by_the_next_command(
        make_engine, pacers, events):
    port = FailingPort("station:s1", writes_before_failure=2)
    engine = make_engine({"station:s1": port}, {"say:hi": pattern(5)})
    token = engine.play("station:s1", Say("hi"))
    pacers.of("station:s1").step(3)                  # the third write fails
    assert engine.wait_idle(5)
    assert events.items == [PlaybackEnded("station:s1", token)]
    assert "went away" in engine.errors["station:s1"]
    assert not port.is_open
    port.budget = 100
    engine.play("station:s1", Say("hi"))
    pacers.step("station:s1", 1)
    assert port.opens == 2
    assert port.is_open


def test_a_device_failing_mid_recording_leaves_a_complete_wav(tmp_path, make_engine, events):
    port = FailingPort("line:l1", writes_before_failure=BEEP_PERIODS + 3, capture=pattern(9))
    engine = make_engine({"line:l1": port}, pacer_factory=Pacers(budget=None))
    engine.record("line:l1", "vm5")
    [done] = events.wait(RecordingFinished)
    assert done == RecordingFinished("line:l1", "vm5", pytest.approx(0.08), "error")
    assert read_wav(tmp_path / "rec" / "vm5.wav")[1] == pattern(4)
    assert engine.wait_idle(5)


def test_ports_must_share_one_format(tmp_path):
    ports = {"a": MemoryPort("a"), "b": MemoryPort("b", AudioFormat(16000))}
    with pytest.raises(ValueError, match="one line format"):
        AudioEngine(ports, bytes.fromhex, recordings=tmp_path)


def test_a_thousand_play_stop_cycles_open_and_close_the_port_every_time(
        make_engine, pacers, events):
    ports = {name: MemoryPort(name, capture=pattern(3)) for name in ("line:l1", "station:s1")}
    engine = make_engine(ports, {"tone:hold": hold_tone(LINE_FORMAT), "say:x": pattern(2)},
                         idle_linger_s=0)
    for cycle in range(1000):
        engine.play("line:l1", Tone.HOLD, loop=True)
        pacers.step("line:l1", 1)
        if cycle % 3 == 0:
            engine.bridge("line:l1", "station:s1")
            lockstep(pacers, ["line:l1", "station:s1"], 1)
            engine.unbridge("line:l1", "station:s1")
            pacers.step("station:s1", 2)             # idle: closes on its next tick
        if cycle % 7 == 0:
            engine.record("line:l1", f"vm{cycle}")
            pacers.step("line:l1", 1)
        engine.stop("line:l1")
        pacers.step("line:l1", 2)
        assert engine.wait_idle(5)
        assert not any(port.is_open for port in ports.values())
        assert len(audio_threads()) <= len(ports)
    assert ports["line:l1"].opens == 1000
    assert ports["station:s1"].opens == 334
    assert len(events.of(RecordingFinished)) == len(range(0, 1000, 7))


def test_a_thousand_free_running_cycles_leave_no_thread_and_no_open_port(tmp_path, events):
    """The same commands with the workers running flat out: races, not exact bytes."""
    ports = {name: MemoryPort(name, capture=pattern(3)) for name in ("line:l1", "station:s1")}
    engine = AudioEngine(ports, {Say("x"): pattern(2)}.get,
                         recordings=tmp_path / "rec", pacer_factory=Pacers(budget=None))
    engine.start(events)
    for cycle in range(1000):
        engine.play("line:l1", Tone.HOLD, loop=True)
        if cycle % 3 == 0:
            engine.bridge("line:l1", "station:s1")
            engine.play("station:s1", Say("x"))
        if cycle % 7 == 0:
            engine.record("line:l1", f"vm{cycle}")
        engine.stop("line:l1")
        engine.unbridge("station:s1", "line:l1")
        engine.stop("station:s1")
        assert len(audio_threads()) <= len(ports), "more than one worker thread for a port"
    assert engine.wait_idle(10)
    engine.close()
    assert audio_threads() == []
    for port in ports.values():
        assert not port.is_open
        assert port.opens == port.closes >= 1
    assert len(events.of(RecordingFinished)) == len(range(0, 1000, 7))


def test_keys_dialled_into_a_listening_port_are_reported_once_each(make_engine, pacers,
                                                                    events):
    from appliance.events import KeyHeard
    from hardware.audio.dtmf import dialled

    capture = dialled("*2")
    port = MemoryPort("station:s1", capture=capture)
    engine = make_engine({"station:s1": port}, {})
    engine.listen_keys("station:s1", True)
    pacers.step("station:s1", len(capture) // PERIOD + 5)
    assert events.of(KeyHeard) == [KeyHeard("station:s1", "*"), KeyHeard("station:s1", "2")]
    engine.listen_keys("station:s1", False)
    pacers.step("station:s1", LINGER + 1)
    assert not port.is_open                                  # nothing left to do: closed
