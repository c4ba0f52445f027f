"""Reading a desk handset's switch hook: raw SHK levels in, what the person did out.

A SLIC's SHK line is noisy, and the same on-hook level means different things by how long it
lasts: a few tens of milliseconds is a dial pulse of a rotary phone, a few hundred is a hook
flash (staff asking for hold), longer is hanging up. ``HookReader`` is a pure state machine
over timestamped levels, so every boundary is testable with made-up times; the handset driver
feeds it the pin's edges and wakes it at ``next_deadline()``.

Defaults (hardware-and-os research, §1.4): debounce 20 ms, 80 ms while the bell rings (ringing
transients must not read as an answer); an on-hook break shorter than 80 ms is a dial pulse,
80-900 ms a flash, longer a hang-up; a pulsed digit ends after 500 ms without a pulse.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class HookTiming:
    debounce_s: float = 0.02
    ringing_debounce_s: float = 0.08
    flash_min_s: float = 0.08
    flash_max_s: float = 0.9
    digit_gap_s: float = 0.5

    def __post_init__(self) -> None:
        if not (0 < self.debounce_s < self.flash_min_s < self.flash_max_s
                and self.ringing_debounce_s > 0 and self.digit_gap_s > 0):
            raise ValueError("hook timing must be 0 < debounce < flash_min < flash_max")


class Hook(Enum):
    LIFTED = "lifted"           # off hook: answer, or pick up to dial
    PUT_DOWN = "put_down"       # on hook for longer than a flash: hung up
    FLASH = "flash"             # a short on-hook break while off hook


@dataclass(frozen=True)
class Signal:
    """What the person did; ``digit`` is set for a pulsed digit ("1"-"9", "0" for ten)."""

    hook: Hook | None = None
    digit: str | None = None


class HookReader:
    def __init__(self, timing: HookTiming | None = None) -> None:
        self.timing = timing or HookTiming()
        self.off_hook = False           # as reported: True from LIFTED to PUT_DOWN
        self._stable = False            # the debounced level
        self._raw, self._raw_since = False, 0.0
        self._settle_at: float | None = None    # when the raw level counts as stable
        self._break_since: float | None = None  # an on-hook break while reported off hook
        self._pulses, self._digit_at = 0, None

    @property
    def raw_off_hook(self) -> bool:
        """The pin's level now, before any debounce (the bell must not ring into a lift)."""
        return self._raw

    def edge(self, level: bool, now: float, *, ringing: bool = False) -> list[Signal]:
        """The pin went to ``level`` (True = off hook) at ``now``."""
        signals = self.due(now)
        if level != self._raw:
            self._raw, self._raw_since = level, now
            debounce = self.timing.ringing_debounce_s if ringing else self.timing.debounce_s
            self._settle_at = now + debounce
        return signals

    def next_deadline(self) -> float | None:
        deadlines = [t for t in (self._settle_at, self._hang_up_at(), self._digit_at)
                     if t is not None]
        return min(deadlines, default=None)

    def due(self, now: float) -> list[Signal]:
        """What the time passing by ``now`` decided, in order."""
        signals: list[Signal] = []
        if self._settle_at is not None and now >= self._settle_at:
            self._settle_at = None
            if self._raw != self._stable:
                self._stable = self._raw
                signals += self._settled(self._raw, self._raw_since)
        hang_up_at = self._hang_up_at()
        if hang_up_at is not None and now >= hang_up_at:
            self.off_hook, self._break_since = False, None
            self._pulses, self._digit_at = 0, None
            signals.append(Signal(Hook.PUT_DOWN))
        if self._digit_at is not None and now >= self._digit_at:
            signals.append(Signal(digit=str(self._pulses % 10)))
            self._pulses, self._digit_at = 0, None
        return signals

    def _hang_up_at(self) -> float | None:
        """When a break becomes a hang-up; not while an off-hook edge waits to settle."""
        if self._break_since is None or self._stable or self._raw:
            return None
        return self._break_since + self.timing.flash_max_s

    def _settled(self, off_hook: bool, since: float) -> list[Signal]:
        if not off_hook:
            if self.off_hook:
                self._break_since = since
            return []
        if not self.off_hook:
            self.off_hook = True
            return [Signal(Hook.LIFTED)]
        broke_for = since - (self._break_since or since)
        self._break_since = None
        if broke_for < self.timing.flash_min_s:
            self._pulses += 1
            self._digit_at = since + self.timing.digit_gap_s
            return []
        return [Signal(Hook.FLASH)]
