"""Pacers keep an absolute 20 ms schedule; tones have the length and level they promise."""

from __future__ import annotations

import threading
import time
import wave

import pytest

from hardware.audio.format import LINE_FORMAT, AudioFormat
from hardware.audio.pacing import MAX_CATCH_UP_S, MonotonicPacer, StepPacer
from hardware.audio.recorder import Recorder, dbfs
from hardware.audio.tones import beep, hold_tone, sine, to_samples


class FakeTime:
    """A clock for MonotonicPacer: each wait lands ``oversleep`` after the requested time."""

    def __init__(self, oversleep: float = 0.0) -> None:
        self.t = 1000.0
        self.oversleep = oversleep
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.t

    def wait(self, delay: float) -> bool:
        self.waits.append(delay)
        self.t += delay + self.oversleep
        return False


def test_lateness_does_not_accumulate_over_a_ten_minute_call():
    fake = FakeTime(oversleep=0.003)
    pacer = MonotonicPacer(0.02, clock=fake.clock, wait=fake.wait)
    pacer.start()
    for _ in range(30_000):
        assert pacer.wait_next()
    assert fake.t == pytest.approx(1000.0 + 30_000 * 0.02 + 0.003)
    assert pacer.worst_lateness_s == pytest.approx(0.003)
    assert pacer.late_ticks == 0


def test_a_late_tick_is_caught_up_without_moving_the_schedule():
    fake = FakeTime()
    pacer = MonotonicPacer(0.02, clock=fake.clock, wait=fake.wait)
    pacer.start()
    assert pacer.wait_next()
    fake.t += 0.055                                  # the worker was descheduled for 55 ms
    assert pacer.wait_next()
    assert pacer.wait_next()
    assert pacer.wait_next()                         # tick 4 waits until its own due time
    assert fake.t == pytest.approx(1000.08)
    assert pacer.worst_lateness_s == pytest.approx(0.035)
    assert pacer.late_ticks == 2


def test_a_long_stall_skips_the_missed_ticks_instead_of_bursting():
    fake = FakeTime()
    pacer = MonotonicPacer(0.02, clock=fake.clock, wait=fake.wait)
    pacer.start()
    fake.t += 1.0
    assert pacer.wait_next()
    assert pacer.skipped_ticks == 49
    assert MAX_CATCH_UP_S < 1.0
    assert pacer.wait_next()
    assert fake.waits[-1] == pytest.approx(0.02)


def test_close_interrupts_a_real_wait_at_once():
    pacer = MonotonicPacer(30.0)
    pacer.start()
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(pacer.wait_next()))
    started = time.monotonic()
    waiter.start()
    pacer.close()
    waiter.join(5)
    assert result == [False]
    assert time.monotonic() - started < 5


def test_step_pacer_hands_out_a_budget_and_waits_for_it_to_be_used():
    pacer = StepPacer(budget=0)
    ticks: list[float] = []

    def worker() -> None:
        while pacer.wait_next():
            ticks.append(pacer.now())

    thread = threading.Thread(target=worker)
    thread.start()
    pacer.step(3)
    assert ticks == pytest.approx([0.02, 0.04, 0.06])
    pacer.close()
    thread.join(5)
    assert not thread.is_alive()


@pytest.mark.parametrize("rate", [8000, 16000])
def test_the_hold_tone_is_a_soft_faded_beep_every_four_seconds(rate):
    fmt = AudioFormat(rate)
    samples = to_samples(hold_tone(fmt))
    on = round(0.2 * rate)
    assert len(samples) == 4 * rate
    assert not any(samples[on:])
    assert max(samples[:on]) == pytest.approx(32767 * 10 ** (-20 / 20), abs=40)
    assert samples[0] == 0
    assert abs(samples[on - 1]) < 10
    assert len(hold_tone(fmt)) % fmt.period_bytes == 0


def test_beep_and_sine_lengths_and_levels():
    assert len(beep(LINE_FORMAT)) == 0.3 * 8000 * 2
    assert dbfs(beep(LINE_FORMAT)) == pytest.approx(-12 - 3.0, abs=0.6)   # RMS of a sine
    assert dbfs(sine(1000, 1.0, LINE_FORMAT, -6)) == pytest.approx(-9.0, abs=0.1)
    assert dbfs(bytes(320)) == float("-inf")


def test_a_recorder_stopped_before_any_audio_leaves_a_valid_empty_wav(tmp_path):
    path = tmp_path / "sub" / "vm.wav"
    rec = Recorder(path, LINE_FORMAT, beep_token=1, max_s=1, silence_s=1, silence_dbfs=-45)
    assert rec.finish() == 0.0
    assert rec.finish() == 0.0
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        assert wav.getnframes() == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["vm.wav"]
