"""What a call simulation says: its steps, its result and the sentences of each step.

The sentences are English templates (``Text``) kept in tables here, so ``policy.simulate``
stays the walk and the catalog finds every sentence the page may show translated.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from appliance.config.model import Strategy
from appliance.errors import N_, Text
from appliance.policy import menus
from appliance.policy.phrases import Phrase
from appliance.policy.schedule import ScheduleReason


class Kind(StrEnum):
    LINE = "line"
    SCHEDULE = "schedule"
    CLOSED_ACTION = "closed_action"
    GREETING = "greeting"
    MENU = "menu"
    KEY = "key"
    TIMEOUT = "timeout"
    FALLBACK = "fallback"
    LOOP = "loop"
    TEAM = "team"
    HOLD = "hold"
    NOT_RUNG = "not_rung"
    RING = "ring"
    WAIT = "wait"
    OVERFLOW = "overflow"
    MESSAGE = "message"
    VOICEMAIL = "voicemail"
    HANGUP = "hangup"
    PBX = "pbx"
    UNUSED = "unused"
    END = "end"


@dataclass(frozen=True)
class Step:
    """One thing that happens; ``text`` is the sentence, the other fields are for programs."""

    kind: Kind
    text: Text
    line: str | None = None
    schedule: str | None = None
    open: bool | None = None
    reason: str | None = None
    time: str | None = None
    menu: str | None = None
    digit: str | None = None
    digits: str | None = None
    team: str | None = None
    agents: tuple[str, ...] = ()
    after_s: int | None = None
    audio: str | None = None
    action: str | None = None
    outcome: str | None = None
    unanswered: bool | None = None   # True: only if nobody answers (the overflow branch)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "text": self.text}
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            if value is not None and value != ():
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Simulation:
    """``team``: the last team the call waits for, as the history records it."""

    steps: tuple[Step, ...]
    outcome: str
    team: str | None = None
    agents_rung: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": [s.to_dict() for s in self.steps],
                               "outcome": self.outcome}
        if self.team is not None:
            out["team"] = self.team
        if self.agents_rung:
            out["agents_rung"] = list(self.agents_rung)
        return out


SCHEDULE_TEXTS: dict[Any, str] = {
    True: N_('Schedule "%(schedule)s" is open at %(time)s (%(reason)s).'),
    False: N_('Schedule "%(schedule)s" is closed at %(time)s (%(reason)s).'),
    (True, ScheduleReason.WEEKLY_HOURS): N_('Schedule "%(schedule)s" is open at %(time)s '
                                            "(weekly hours)."),
    (True, ScheduleReason.SPECIAL_HOURS): N_('Schedule "%(schedule)s" is open at %(time)s '
                                             "(this date's special hours)."),
    (True, ScheduleReason.OVERRIDE): N_('Schedule "%(schedule)s" is open at %(time)s: opened by '
                                        "hand."),
    (False, ScheduleReason.OUTSIDE_HOURS): N_('Schedule "%(schedule)s" is closed at %(time)s: '
                                              "outside the weekly hours."),
    (False, ScheduleReason.HOLIDAY): N_('Schedule "%(schedule)s" is closed at %(time)s: public '
                                        "holiday (%(holiday)s)."),
    (False, ScheduleReason.CLOSED_DATE): N_('Schedule "%(schedule)s" is closed at %(time)s: a '
                                            "date the office closed."),
    (False, ScheduleReason.SPECIAL_HOURS): N_('Schedule "%(schedule)s" is closed at %(time)s: '
                                              "outside this date's special hours."),
    (False, ScheduleReason.OVERRIDE): N_('Schedule "%(schedule)s" is closed at %(time)s: closed '
                                         "by hand."),
}
MENU_TEXTS = {
    menus.PlayReason.START: N_('Menu "%(menu)s" plays: %(prompt)s'),
    menus.PlayReason.SUBMENU: N_('Menu "%(menu)s" plays: %(prompt)s'),
    menus.PlayReason.REPEAT: N_('Menu "%(menu)s" plays again: %(prompt)s'),
    menus.PlayReason.BACK: N_('Back to the first menu, "%(menu)s": %(prompt)s'),
    menus.PlayReason.INVALID: N_('The box says "%(sorry)s" and plays menu "%(menu)s" again: '
                                 "%(prompt)s"),
    menus.PlayReason.TIMEOUT: N_('The box says "%(sorry)s" and plays menu "%(menu)s" again: '
                                 "%(prompt)s"),
}
RING_TEXTS = {
    True: N_("After %(after)d s: the handset of %(agents)s rings for up to %(ring)d s."),
    False: N_("After %(after)d s: the handsets of %(agents)s ring together for up to %(ring)d s."),
}
SORRY = {menus.PlayReason.INVALID: Phrase.INVALID, menus.PlayReason.TIMEOUT: Phrase.NO_INPUT}
STRATEGIES = {
    Strategy.RING_ALL: N_("every available agent at once"),
    Strategy.LINEAR: N_("one agent at a time, in the members' order"),
    Strategy.ROUND_ROBIN: N_("one agent at a time, taking turns across calls"),
    Strategy.LONGEST_IDLE: N_("the agent free the longest first"),
    Strategy.FEWEST_CALLS: N_("the agent with the fewest calls first"),
}
OVERFLOWS = {
    "queue_full": N_('%(waiting)d caller(s) already wait for team "%(team)s", its limit: the '
                     "call overflows at once."),
    "max_wait": N_('After %(wait)d s without an answer, the call overflows team "%(team)s".'),
}
