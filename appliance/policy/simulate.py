"""What would happen to a caller on line L at instant T pressing keys D, without placing a call.

The walk follows ``core.calls.CallFlow`` and ``core.offers.Offers`` decision by decision, asking
the same pure functions the engine asks (``schedule.status_at``, ``menus.enter`` / ``on_digit``
/ ``on_timeout``, ``routing.pick``), so the answer cannot drift from what the engine does.

What the engine learns only at run time is an input, with the defaults of a quiet office:

* ``presence``: each agent's presence; an agent not given keeps the configuration's (which is
  what the engine starts from). Every handset is assumed online and on hook.
* ``busy``: agents on another call, ringing or wrapping up (default: nobody).
* ``waiting``: callers already waiting per team (default: none, so a queue is never full).
* ``last_offered``: per team, the agent round robin rang last (default: none, so it starts at
  the first member). Longest idle and fewest calls see every agent equal: member order.
* ``audio_names``: upload ids to the names the owner gave them (default: the ids).

Timing: the caller waits for each prompt to end before pressing the next key; keys not used
by a menu (the call has left the menus) are reported as not used. When keys run out on a menu
the caller stays silent, so the menu's no-key path runs (repeat, then its fallback); a silent
caller going round fallbacks for ever is detected and reported, so the walk always ends.

Outcomes are the words the engine records in the call history (``core.state.Outcome``):
``answered`` when an agent's handset rings (the first one rung picks up), ``voicemail`` when the
caller is asked for a message (and leaves one), ``message``, ``closed``, ``failed`` (the box
could not help: no team, overflow message, box hang-up at a line's entry) and ``abandoned``
(the box hung up from a menu, or the caller waits with nobody to ring and no limit). When an
agent is rung, the steps also say what happens if nobody answers (``unanswered`` steps) and the
final step gives that outcome too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from appliance.config.model import (
    Action,
    Config,
    Line,
    Presence,
    Prompt,
    Schedule,
    Target,
    Team,
)
from appliance.errors import NotFound, Text, ValidationError
from appliance.policy import menus
from appliance.policy.phrases import Phrase, phrase
from appliance.policy.routing import Candidate, pick
from appliance.policy.schedule import Override, status_at
from appliance.policy.trial import (
    MENU_TEXTS,
    OVERFLOWS,
    RING_TEXTS,
    SCHEDULE_TEXTS,
    SORRY,
    STRATEGIES,
    Kind,
    Simulation,
    Step,
)

MAX_DIGITS = 20
ANSWERED, VOICEMAIL, MESSAGE, CLOSED, FAILED, ABANDONED = (
    "answered", "voicemail", "message", "closed", "failed", "abandoned")
_LANGUAGE = "en"   # the box's own phrases are quoted in English; the page translates the rest
_NO_TRIES_LEFT = -(10 ** 6)   # a menu state with attempts to spare, to ask if a key is valid


def digits_problem(digits: Any) -> Text | None:
    """Why ``digits`` cannot be pressed on a phone, or None."""
    if not isinstance(digits, str) or len(digits) > MAX_DIGITS or not set(digits) <= menus.KEYS:
        return Text("Give up to %(max)d keys: 0-9, * and #.", max=MAX_DIGITS)
    return None


def simulate(config: Config, line_id: str, at: datetime, digits: str, *,
             presence: Mapping[str, Presence] | None = None, busy: Collection[str] = (),
             waiting: Mapping[str, int] | None = None,
             last_offered: Mapping[str, str] | None = None,
             audio_names: Mapping[str, str] | None = None,
             overrides: Mapping[str, Override] | None = None) -> Simulation:
    """Walk a call on ``line_id`` at ``at`` pressing ``digits``, step by step.

    A naive ``at`` is read in the line's schedule's zone (else the first schedule's, else UTC;
    a wall time that happens twice on a DST day means the first). Raises ``NotFound`` for an
    unknown line and ``ValidationError`` for keys that are not phone keys.
    """
    if (problem := digits_problem(digits)) is not None:
        raise ValidationError({"digits": problem})
    line = config.lines.get(line_id)
    if line is None:
        raise NotFound(Text("No line with id '%(id)s'.", id=line_id))
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=ZoneInfo(_zone(config, line)))
    walk = _Walk(config, digits)
    walk.presence, walk.busy, walk.waiting = presence or {}, frozenset(busy), waiting or {}
    walk.last_offered, walk.audio_names = last_offered or {}, audio_names or {}
    walk.overrides = overrides or {}
    walk.call(line, at)
    return walk.result()


def _zone(config: Config, line: Line) -> str:
    schedules = [config.schedules.get(line.schedule or ""), *config.schedules.values()]
    return next((s.timezone for s in schedules if s is not None), "UTC")


class _Walk:
    """The call's path, step by step (mutable while walking; ``result`` freezes it)."""

    presence: Mapping[str, Presence]   # the runtime inputs, see the module's docstring
    busy: frozenset[str]
    waiting: Mapping[str, int]
    last_offered: Mapping[str, str]
    audio_names: Mapping[str, str]
    overrides: Mapping[str, Override]

    def __init__(self, config: Config, digits: str) -> None:
        self.config = config
        self.keys = list(digits)
        self.steps: list[Step] = []
        self.outcome: str | None = None
        self.if_unanswered: str | None = None
        self.unanswered = False      # walking the "nobody answers" branch
        self.team: str | None = None
        self.agents_rung: tuple[str, ...] = ()
        self.visited: list[str] = []   # teams, as ``Call.teams_visited``
        self.in_menu = False           # a menu was entered (``Call.menu`` is set)

    def say(self, kind: Kind, template: str, values: Mapping[str, Any] | None = None,
            **data: Any) -> None:
        self.steps.append(Step(kind, Text(template, **(values or {})), **data,
                               unanswered=True if self.unanswered else None))

    def end(self, outcome: str) -> None:
        if self.unanswered:
            self.if_unanswered = self.if_unanswered or outcome
        elif self.outcome is None:
            self.outcome = outcome

    def result(self) -> Simulation:
        if self.keys:
            self.say(Kind.UNUSED, "Keys %(digits)s are not used: no menu is listening by then.",
                     {"digits": "".join(self.keys)}, digits="".join(self.keys))
        outcome = self.outcome or FAILED
        if self.if_unanswered is None:
            self.say(Kind.END, 'The call ends as "%(outcome)s".', {"outcome": Text(outcome)},
                     outcome=outcome)
        else:
            self.say(Kind.END, 'The call ends as "%(outcome)s"; if nobody answers, as '
                     '"%(unanswered)s".', {"outcome": Text(outcome),
                                           "unanswered": Text(self.if_unanswered)},
                     outcome=outcome)
        return Simulation(tuple(self.steps), outcome, self.team, self.agents_rung)

    # -- as CallFlow.answered ------------------------------------------------------------------

    def call(self, line: Line, at: datetime) -> None:
        values = {"line": line.name, "number": line.number}
        if line.number:
            self.say(Kind.LINE, 'A caller rings line "%(line)s" (%(number)s).', values,
                     line=line.id)
        else:
            self.say(Kind.LINE, 'A caller rings line "%(line)s".', values, line=line.id)
        if self.closed(line, at):
            return
        if line.greeting is not None:
            self.say(Kind.GREETING, "The line's greeting plays: %(prompt)s",
                     {"prompt": self.said(line.greeting)}, audio=line.greeting.audio)
        self.route(line.entry)

    def closed(self, line: Line, at: datetime) -> bool:
        """As ``CallFlow._closed``: no schedule (or a missing one) means always open."""
        schedule = self.config.schedules.get(line.schedule or "")
        if schedule is None:
            self.say(Kind.SCHEDULE, 'Line "%(line)s" has no schedule: it is always open.',
                     {"line": line.name}, open=True)
            return False
        local = at.astimezone(ZoneInfo(schedule.timezone))
        status = status_at(schedule, local, self.overrides.get(schedule.id))
        template = SCHEDULE_TEXTS.get((status.open, status.reason), SCHEDULE_TEXTS[status.open])
        self.say(Kind.SCHEDULE, template, {
            "schedule": schedule.name, "time": _clock(local), "holiday": status.detail,
            "reason": status.reason.value}, schedule=schedule.id, open=status.open,
            reason=status.reason.value, time=local.isoformat())
        if not status.open:
            self.closed_action(schedule)
        return not status.open

    def closed_action(self, schedule: Schedule) -> None:
        action = schedule.closed_action
        self.say(Kind.CLOSED_ACTION, "Out of hours, the schedule's closed action runs.",
                 action=(action.action or Action.MESSAGE).value)
        if action.action is Action.VOICEMAIL:
            self.voicemail(action.text)
        else:
            self.message(action.text or phrase(_LANGUAGE, Phrase.CLOSED), CLOSED)

    # -- as CallFlow.route and CallFlow._menu_step -----------------------------------------------

    def route(self, target: Target) -> None:
        if target.team is not None and target.action in (None, Action.TEAM):
            self.enqueue(target.team)
        elif target.sip is not None:
            self.pbx(target.sip)
        elif target.menu is not None:
            self.menu(*menus.enter(self.config, target.menu))
        elif target.action is Action.VOICEMAIL:
            self.voicemail(None)
        elif target.action is Action.MESSAGE:
            self.message(target.text or phrase(_LANGUAGE, Phrase.GOODBYE), MESSAGE)
        else:
            self.say(Kind.HANGUP, "The box hangs up.", action=Action.HANGUP.value)
            self.end(ABANDONED if self.in_menu else FAILED)

    def menu(self, state: menus.MenuState, step: menus.MenuStep) -> None:
        """Keys while there are keys, then silence; a silent caller's repeated state is a loop."""
        self.in_menu = True
        silent: set[menus.MenuState] = set()
        while isinstance(step, menus.PlayMenu):
            menu = self.config.menus.get(step.menu)
            if menu is None:
                self.say(Kind.HANGUP, 'Menu "%(menu)s" does not exist: the box hangs up.',
                         {"menu": step.menu}, menu=step.menu)
                return self.end(FAILED)
            self.say(Kind.MENU, MENU_TEXTS[step.reason], {
                "menu": menu.name, "prompt": self.said(menu.prompt),
                "sorry": phrase(_LANGUAGE, SORRY.get(step.reason, Phrase.INVALID)).strip()},
                menu=menu.id, reason=step.reason.value, audio=menu.prompt.audio)
            if self.keys:
                state, step = self.key(state, self.keys.pop(0))
            elif state in silent:
                self.say(Kind.LOOP, "A caller who presses nothing goes round these menus for "
                         "ever, until they hang up.", menu=menu.id)
                return self.end(ABANDONED)
            else:
                silent.add(state)
                state, step = self.timeout(state)
        if isinstance(step, menus.ToTeam):
            self.enqueue(step.team)
        elif isinstance(step, menus.ToPbx):
            self.pbx(step.uri)
        else:
            self.route(Target(action=step.action, text=step.text))

    def key(self, state: menus.MenuState, digit: str) -> menus.MenuResult:
        menu = self.config.menus[state.current]
        after, step = menus.on_digit(self.config, state, digit)
        values = {"digit": digit, "menu": menu.name}
        if not self._invalid(state, digit):
            self.say(Kind.KEY, 'Key %(digit)s on menu "%(menu)s".', values, digit=digit,
                     menu=menu.id)
            return after, step
        self.say(Kind.KEY, 'Key %(digit)s is not an option on menu "%(menu)s" (attempt '
                 "%(count)d of %(tries)d).", values | {"count": state.failures + 1,
                                                      "tries": menu.retries + 1},
                 digit=digit, menu=menu.id, reason="invalid")
        return self.fallback(state, after, step)

    def timeout(self, state: menus.MenuState) -> menus.MenuResult:
        menu = self.config.menus[state.current]
        after, step = menus.on_timeout(self.config, state)
        self.say(Kind.TIMEOUT, 'No key within %(timeout)d s on menu "%(menu)s" (attempt '
                 "%(count)d of %(tries)d).", {
                     "timeout": menu.timeout_s, "menu": menu.name, "count": state.failures + 1,
                     "tries": menu.retries + 1}, menu=menu.id)
        return self.fallback(state, after, step)

    def fallback(self, before: menus.MenuState, after: menus.MenuState,
                 step: menus.MenuStep) -> menus.MenuResult:
        """After a failed attempt: the menu again, or (out of attempts) its fallback."""
        again = isinstance(step, menus.PlayMenu) and step.menu == before.current and \
            step.reason in SORRY
        if not again:
            menu = self.config.menus[before.current]
            self.say(Kind.FALLBACK, 'No attempts left on menu "%(menu)s": its fallback takes '
                     "over.", {"menu": menu.name}, menu=menu.id)
        return after, step

    def _invalid(self, state: menus.MenuState, digit: str) -> bool:
        """Asked of ``on_digit`` itself, from a state with attempts to spare."""
        probe = menus.MenuState(state.root, state.current, _NO_TRIES_LEFT)
        _, step = menus.on_digit(self.config, probe, digit)
        return isinstance(step, menus.PlayMenu) and step.reason is menus.PlayReason.INVALID

    # -- as CallFlow.enqueue, Offers.dispatch and CallFlow.overflow ------------------------------

    def enqueue(self, team_id: str) -> None:
        team = self.config.teams.get(team_id)
        if team is None:
            self.say(Kind.TEAM, 'Team "%(team)s" does not exist.', {"team": team_id}, team=team_id)
            return self.message(phrase(_LANGUAGE, Phrase.CANNOT_TAKE), FAILED)
        self.visited.append(team.id)
        if not self.unanswered:
            self.team = team.id
        self.say(Kind.TEAM, 'The call waits for team "%(team)s", which rings %(strategy)s.',
                 {"team": team.name, "strategy": Text(STRATEGIES[team.strategy])},
                 team=team.id, reason=team.strategy.value)
        waiting = self.waiting.get(team.id, 0)
        if team.max_queue and waiting >= team.max_queue:
            return self.overflow(team, "queue_full", waiting)
        self.hold(team)
        rounds = self.ring_round(team, self.eligible(team))
        if rounds:
            self.ring(team, rounds)
        else:
            self.nobody(team)

    def ring(self, team: Team, rounds: list[tuple[int, list[str]]]) -> None:
        """An agent rings: answered; then what happens if nobody answers (hypothetically)."""
        for after_s, agents in rounds:
            self.say(Kind.RING, RING_TEXTS[len(agents) == 1], {
                "after": after_s, "agents": self.names(agents), "ring": team.ring_timeout_s},
                team=team.id, agents=tuple(agents), after_s=after_s)
        if not self.unanswered:
            self.agents_rung = tuple(a for _, agents in rounds for a in agents)
        self.end(ANSWERED)
        if not team.max_wait_s:
            return self.say(Kind.WAIT, "If nobody answers, the handsets keep ringing in turn "
                            "until someone answers or the caller hangs up (no waiting limit).",
                            team=team.id)
        was, self.unanswered = self.unanswered, True
        self.overflow(team, "max_wait")
        self.unanswered = was

    def hold(self, team: Team) -> None:
        if team.hold_audio:
            name = self.audio_names.get(team.hold_audio, team.hold_audio)
            self.say(Kind.HOLD, "While waiting, the caller hears the hold audio %(audio)s.",
                     {"audio": name}, team=team.id, audio=team.hold_audio)
        else:
            self.say(Kind.HOLD, "While waiting, the caller hears the soft hold tone (the team "
                     "has no hold audio).", team=team.id)
        if team.announce and team.announce_every_s:
            self.say(Kind.HOLD, 'Every %(every)d s the caller hears: "%(announce)s"',
                     {"every": team.announce_every_s, "announce": team.announce}, team=team.id)

    def eligible(self, team: Team) -> list[str]:
        """As ``Offers.eligible``, with handsets assumed online and on hook."""
        found = []
        for agent_id in dict.fromkeys(team.members):
            why = self._not_eligible(agent_id)
            if why is None:
                found.append(agent_id)
            else:
                self.say(Kind.NOT_RUNG, "%(agent)s is not rung: %(why)s.", {
                    "agent": self.names([agent_id]), "why": why}, team=team.id,
                    agents=(agent_id,))
        return found

    def _not_eligible(self, agent_id: str) -> Text | None:
        agent = self.config.agents.get(agent_id)
        if agent is None:
            return Text("no such agent")
        if agent.station is None or agent.station not in self.config.stations:
            return Text("no handset")
        presence = self.presence.get(agent_id, agent.presence)
        if presence is not Presence.AVAILABLE:
            return Text(presence.value)   # "away", "offline"
        return Text("busy with another call") if agent_id in self.busy else None

    def ring_round(self, team: Team, eligible: list[str]) -> list[tuple[int, list[str]]]:
        """Who rings when, until everyone eligible had a turn (or the wait limit comes)."""
        candidates = [Candidate(a, 0.0, 0) for a in eligible]
        tried: set[str] = set()
        last = self.last_offered.get(team.id)
        rounds: list[tuple[int, list[str]]] = []
        while not team.max_wait_s or len(rounds) * team.ring_timeout_s < team.max_wait_s:
            chosen = pick(team.strategy, team.members, candidates, last_offered=last,
                          tried=frozenset(tried))
            if not chosen or set(chosen) <= tried:
                break
            rounds.append((len(rounds) * team.ring_timeout_s, chosen))
            last = chosen[-1]
            tried.update(chosen)
        return rounds

    def nobody(self, team: Team) -> None:
        if team.max_wait_s:
            self.say(Kind.WAIT, "Nobody can be rung: the caller waits %(wait)d s.",
                     {"wait": team.max_wait_s}, team=team.id)
            return self.overflow(team, "max_wait")
        self.say(Kind.WAIT, "Nobody can be rung and the team has no waiting limit: the caller "
                 "waits until an agent is free or hangs up.", team=team.id)
        self.end(ABANDONED)

    def overflow(self, team: Team, reason: str, waiting: int = 0) -> None:
        self.say(Kind.OVERFLOW, OVERFLOWS[reason], {"team": team.name, "waiting": waiting,
                                                     "wait": team.max_wait_s},
                 team=team.id, reason=reason,
                 action=team.overflow.action.value if team.overflow.action else None)
        action, to_team = team.overflow.action, team.overflow.team
        if action is Action.TEAM and to_team not in self.visited:
            self.enqueue(to_team or "")
        elif team.overflow.sip is not None:
            self.pbx(team.overflow.sip)
        elif action is Action.VOICEMAIL:
            self.voicemail(None)
        else:
            self.message(team.overflow.text or phrase(_LANGUAGE, Phrase.ALL_BUSY), FAILED)

    # -- endings -------------------------------------------------------------------------------

    def pbx(self, uri: str) -> None:
        self.say(Kind.PBX, "The box hands the caller to the office's PBX at %(uri)s; from "
                 "then on the call is the PBX's (recorded answered if it answers).", {"uri": uri})
        self.end(ANSWERED)

    def message(self, text: str, outcome: str) -> None:
        self.say(Kind.MESSAGE, 'The caller hears "%(message)s", then the box hangs up.',
                 {"message": text}, action=Action.MESSAGE.value)
        self.end(outcome)

    def voicemail(self, prompt: str | None) -> None:
        self.say(Kind.VOICEMAIL, 'The caller hears "%(prompt)s" and leaves a voice message.',
                 {"prompt": prompt or phrase(_LANGUAGE, Phrase.VOICEMAIL)},
                 action=Action.VOICEMAIL.value)
        self.end(VOICEMAIL)

    # -- words ---------------------------------------------------------------------------------

    def said(self, prompt: Prompt) -> str:
        if prompt.text is not None:
            return f'"{prompt.text}"'
        audio = prompt.audio or ""
        return Text("the recording %(audio)s", audio=self.audio_names.get(audio, audio))

    def names(self, agent_ids: list[str]) -> str:
        """ "Ana (Front desk), Bruno (Desk 2)": the people and the handsets that ring."""
        out = []
        for agent_id in agent_ids:
            agent = self.config.agents.get(agent_id)
            station = self.config.stations.get(agent.station or "") if agent else None
            name = agent.name if agent else agent_id
            out.append(f"{name} ({station.name})" if station else name)
        return ", ".join(out)


def _clock(local: datetime) -> str:
    """2026-03-29 10:00 (UTC+02:00): the wall clock and its offset, which DST days change."""
    offset = local.isoformat()[-6:]
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset})"
