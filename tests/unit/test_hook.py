"""The switch hook read from made-up timestamped levels: debounce, flash, hang-up, pulses."""

from __future__ import annotations

import pytest

from hardware.hook import Hook, HookReader, HookTiming, Signal

LIFTED, PUT_DOWN, FLASH = Signal(Hook.LIFTED), Signal(Hook.PUT_DOWN), Signal(Hook.FLASH)


def play(levels: list[tuple[float, bool]], until: float, *, ringing: bool = False,
         reader: HookReader | None = None) -> list[tuple[float, Signal]]:
    """Feed the edges, waking the reader at each deadline as the driver does; every signal
    with the time it came out."""
    reader = reader or HookReader()
    out: list[tuple[float, Signal]] = []
    edges = sorted(levels)
    while True:
        deadline = reader.next_deadline()
        next_edge = edges[0][0] if edges else None
        if next_edge is not None and (deadline is None or next_edge <= deadline):
            at, level = edges.pop(0)
            out += [(at, s) for s in reader.edge(level, at, ringing=ringing)]
        elif deadline is not None and deadline <= until:
            out += [(deadline, s) for s in reader.due(deadline)]
        else:
            return out


def test_lifting_counts_once_the_level_holds_for_the_debounce():
    assert play([(1.0, True)], until=5) == [(1.02, LIFTED)]


def test_a_noisy_lift_is_one_lift():
    chatter = [(1.0, True), (1.005, False), (1.008, True), (1.012, False), (1.015, True)]
    assert play(chatter, until=5) == [(1.035, LIFTED)]


def test_while_ringing_a_transient_is_not_an_answer_and_a_lift_waits_longer():
    assert play([(1.0, True), (1.05, False)], until=5, ringing=True) == []
    assert play([(1.0, True)], until=5, ringing=True) == [(1.08, LIFTED)]


@pytest.mark.parametrize(("down_for", "expected"), [
    (0.1, [FLASH]),              # a short timed-break recall
    (0.3, [FLASH]),              # what most phones send
    (0.85, [FLASH]),             # still a flash, just
])
def test_a_short_break_while_off_hook_is_a_flash(down_for, expected):
    edges = [(1.0, True), (3.0, False), (3.0 + down_for, True)]
    assert [s for _, s in play(edges, until=10)][1:] == expected


def test_a_longer_break_is_hanging_up_and_it_is_told_when_the_flash_window_closes():
    signals = play([(1.0, True), (3.0, False)], until=10)
    assert signals == [(1.02, LIFTED), (3.9, PUT_DOWN)]


def test_lifting_again_after_hanging_up_is_a_new_lift_not_a_flash():
    signals = play([(1.0, True), (3.0, False), (5.0, True)], until=10)
    assert [s for _, s in signals] == [LIFTED, PUT_DOWN, LIFTED]


def test_rotary_pulses_make_digits_and_a_gap_ends_each():
    """10 pulses per second: 60 ms break, 40 ms make; "3" then "0" (ten pulses)."""
    edges = [(1.0, True)]
    t = 2.0
    for pulses in (3, 10):
        for _ in range(pulses):
            edges += [(t, False), (t + 0.06, True)]
            t += 0.1
        t += 0.8
    signals = [s for _, s in play(edges, until=10)]
    assert signals == [LIFTED, Signal(digit="3"), Signal(digit="0")]


def test_timings_are_checked():
    with pytest.raises(ValueError, match="debounce < flash_min < flash_max"):
        HookTiming(flash_min_s=1.0, flash_max_s=0.5)
