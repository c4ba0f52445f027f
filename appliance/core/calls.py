"""A call's life on the core thread: ring in → answer → greeting → menu → queue → end.

``CallFlow`` turns line and audio events into call state changes. Handing the call to an agent
is ``Offers``' job; both run only on the core thread (see ``engine``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from appliance import events as ev
from appliance.config.model import Action, Channel, Line, Prompt, Target, Team
from appliance.core.gateway import Gateway
from appliance.core.records import busy_record, call_record
from appliance.core.state import Call, CallState, CallTimer, LineState, Outcome, Phase
from appliance.media.speech import fill_hours
from appliance.policy import menus
from appliance.policy.phrases import Phrase, phrase
from appliance.policy.routing import home_team
from hardware.audio.sources import File, Say, Source, Tone
from hardware.interfaces import line_port

if TYPE_CHECKING:
    from appliance.core.callbacks import Callbacks
    from appliance.core.notices import Notices
    from appliance.core.offers import Offers
    from appliance.core.office import Office

log = logging.getLogger(__name__)

VOICEMAIL_MAX_S = 120
CALLBACK_GRACE_S = 5      # after a closing message that offers a callback, for the key
MISSED = (Outcome.ABANDONED, Outcome.CLOSED)    # with a busy line: the missed-call text
SORRY = {menus.PlayReason.INVALID: Phrase.INVALID, menus.PlayReason.TIMEOUT: Phrase.NO_INPUT}


def hold_source(team: Team) -> Source:
    return File(team.hold_audio) if team.hold_audio else Tone.HOLD


def source_of(prompt: Prompt) -> Source:
    return Say(prompt.text) if prompt.text is not None else File(prompt.audio or "")


class CallFlow:
    def __init__(self, office: Office, offers: Offers, callbacks: Callbacks, notices: Notices,
                 *, line_removed: Callable[[], None]) -> None:
        self.office = office
        self.offers = offers
        self.callbacks = callbacks
        self.notices = notices
        self.gateway = Gateway(office, self)
        self._line_removed = line_removed   # the engine closes a deleted line's device

    # -- line events --------------------------------------------------------------------------

    def incoming(self, e: ev.IncomingCall) -> None:
        office, line = self.office, self.office.lines.get(e.line)
        driver = office.line_drivers.get(e.line)
        if line is None or driver is None:
            log.warning("incoming call on unknown line %s ignored", e.line)
            return
        if line.call is not None or line.releasing:
            driver.reject_waiting()
            office.keep(office.history.append, busy_record(e.line, e.caller, office.clock.now()))
            self.notices.missed(e.line, e.caller)
            return
        call = Call(uuid.uuid4().hex[:12], e.line, e.caller, office.clock.now(),
                    office.clock.monotonic())
        office.calls[call.id] = call
        line.call, line.state = call.id, LineState.RINGING
        driver.answer()

    def answered(self, e: ev.LineAnswered) -> None:
        call = self.office.call_on(e.line)
        if call is None or call.phase is not Phase.ANSWERING:
            return
        self.office.lines[e.line].state = LineState.IN_CALL
        self.office.note(call, "answered")
        line = self.office.config.lines.get(e.line)
        if line is None:
            self.final_message(call, self._say(Phrase.NOT_IN_SERVICE), Outcome.FAILED,
                               "no_config")
        elif self._closed(call, line):
            return
        elif line.greeting is not None:
            call.state = CallState.MESSAGE
            self._play(call, Phase.GREETING, source_of(line.greeting))
        else:
            self.route(call, line.entry)

    def caller_hung_up(self, e: ev.CallerHungUp) -> None:
        call = self.office.call_on(e.line)
        if call is not None:
            self.finish(call, call.hangup_outcome, "caller_hung_up", hang_up=False)

    def line_status(self, e: ev.LineStatus) -> None:
        line = self.office.lines.get(e.line)
        if line is None:
            return
        if not e.online:
            call = self.office.call_on(e.line)
            if call is not None:
                self.finish(call, Outcome.FAILED, "line_lost", hang_up=False)
            line.state = LineState.ERROR if e.error else LineState.OFFLINE
            line.releasing = False
        elif line.call is None:
            line.state = LineState.IDLE
        line.reason = e.reason

    def line_released(self, e: ev.LineReleased) -> None:
        line = self.office.lines.get(e.line)
        if line is not None and line.releasing:
            line.releasing = False
            self.line_idle(e.line)
            self.offers.dispatch()      # a callback waiting for a free line may go now

    def line_info(self, e: ev.LineInfo) -> None:
        line = self.office.lines.get(e.line)
        if line is not None:
            line.info = dict(e.info)

    def dial_result(self, e: ev.DialResult) -> None:
        log.info("outgoing call from %s to %s: %s", e.line, e.number, e.outcome)
        call = self.callbacks.dial_result(e)
        if call is not None:
            self.finish(call, Outcome.FAILED, e.outcome)

    # -- handsets ------------------------------------------------------------------------------

    def hook(self, e: ev.HookChanged) -> None:
        """Offers decides what a handset's hook means; a call whose agent hung up ends here."""
        self._agent_left(self.offers.hook(e))

    def station_status(self, e: ev.StationStatus) -> None:
        self._agent_left(self.offers.station_status(e))

    def _agent_left(self, call: Call | None) -> None:
        if call is not None:
            self.finish(call, Outcome.ANSWERED, "agent_hung_up")
        self.offers.dispatch()

    def reroute_orphans(self) -> None:
        """Calls waiting for a team, or listening to a menu, that was deleted go to the line's
        entry as it is now (or are told)."""
        config = self.office.config
        for call in list(self.office.calls.values()):
            if call.state in (CallState.QUEUED, CallState.OFFERED) and \
                    call.team not in config.teams:
                self.offers.withdraw_call(call)
                entry = self._entry(call)
                self.enqueue(call, entry.team if entry.team is not None else call.team or "")
            elif call.state is CallState.MENU and call.menu is not None and \
                    call.menu.current not in config.menus:
                self.stop_audio(call)
                call.cancel_timer(CallTimer.MENU)
                call.menu = None
                self.route(call, self._entry(call))

    def dtmf(self, e: ev.DtmfReceived) -> None:
        call = self.office.call_on(e.line)
        if call is not None and self._callback_key(call, e.digit):
            return
        if call is None or call.phase not in (Phase.MENU_PROMPT, Phase.MENU_INPUT, Phase.GREETING):
            return
        self.stop_audio(call)
        call.cancel_timer(CallTimer.MENU)
        if call.phase is Phase.GREETING:
            entry = self._entry(call)
            if entry.menu is None:
                return self.route(call, entry)
            call.menu, _ = menus.enter(self.office.config, entry.menu)
        self.office.note(call, "key", e.digit)
        call.menu, step = menus.on_digit(self.office.config, call.menu, e.digit)
        self._menu_step(call, step)

    def playback_ended(self, e: ev.PlaybackEnded) -> None:
        call = next((c for c in self.office.calls.values() if c.playback == e.token), None)
        if call is None:
            return
        call.playback = None
        if call.phase is Phase.GREETING:
            self.route(call, self._entry(call))
        elif call.phase is Phase.MENU_PROMPT:
            call.phase = Phase.MENU_INPUT
            menu = self.office.config.menus.get(call.menu.current)
            timeout = menu.timeout_s if menu else 1
            self.office.call_timer(call, CallTimer.MENU, timeout, lambda: self._menu_timeout(call))
        elif call.phase is Phase.FINAL_MESSAGE and call.callback_offer:
            self.office.call_timer(call, CallTimer.MENU, CALLBACK_GRACE_S,
                                   lambda: self.finish(call, call.end_outcome, call.reason))
        elif call.phase is Phase.FINAL_MESSAGE:
            self.finish(call, call.end_outcome, call.reason)
        elif call.phase is Phase.VOICEMAIL_PROMPT:
            self._record(call)
        elif call.phase is Phase.WAITING:              # an announcement ended: back to hold
            team = self.office.config.teams.get(call.team or "")
            if team is not None:
                self._hold(call, team)

    def recording_finished(self, e: ev.RecordingFinished) -> None:
        """The recorder stopped (silence, maximum length, or we stopped it): keep its length."""
        call = self.office.calls.get(e.name)
        if call is not None and call.phase is Phase.RECORDING:
            self.finish(call, Outcome.VOICEMAIL, e.reason)
        self.office.keep(self.office.history.set_voicemail_seconds, e.name, e.seconds)
        message = self.office.history.voicemail(e.name)
        if message is not None:
            self.notices.voicemail(message["line"], message["caller"], e.seconds)

    # -- steps --------------------------------------------------------------------------------

    def route(self, call: Call, target: Target) -> None:
        """Send the call where a line entry, menu option or overflow points."""
        if target.team is not None and target.action in (None, Action.TEAM):
            self.enqueue(call, target.team)
        elif target.sip is not None:
            self.gateway.hand_over(call, target.sip)
        elif target.menu is not None:
            call.menu, step = menus.enter(self.office.config, target.menu)
            self._menu_step(call, step)
        elif target.action is Action.VOICEMAIL:
            self.voicemail(call, Outcome.ABANDONED)
        elif target.action is Action.MESSAGE:
            self.final_message(call, target.text or self._say(Phrase.GOODBYE), Outcome.MESSAGE,
                               "message")
        else:
            self.finish(call, Outcome.ABANDONED if call.menu else Outcome.FAILED, "hung_up_by_box")

    def enqueue(self, call: Call, team_id: str) -> None:
        office = self.office
        team = office.config.teams.get(team_id)
        if team is None:
            self.cannot_take(call, "no_team")
            return
        if Channel.VOICE not in team.channels:     # it answers texts only: its overflow
            self.overflow(call, team, "texts_only")
            return
        call.team = team.id
        call.teams_visited.append(team.id)
        office.note(call, "queued", team.id)
        waiting = [c for c in office.calls.values() if c.team == team.id and c is not call
                   and c.state in (CallState.QUEUED, CallState.OFFERED)]
        if team.max_queue and len(waiting) >= team.max_queue:
            self.overflow(call, team, "queue_full")
            return
        call.state, call.phase = CallState.QUEUED, Phase.WAITING
        call.hangup_outcome = Outcome.ABANDONED
        if call.waiting_since is None:
            call.waiting_since = office.clock.monotonic()
        call.cancel_timer(CallTimer.MAX_WAIT)
        if team.max_wait_s:
            self.office.call_timer(
                call, CallTimer.MAX_WAIT, team.max_wait_s,
                lambda: self.overflow(call, office.config.teams.get(team.id, team), "max_wait"))
        offer = self._callback_offer(call, team.id)
        if offer:
            self._play(call, Phase.WAITING, Say(offer.strip()))    # then the hold audio
        else:
            self._hold(call, team)
        self.offers.dispatch()

    def _hold(self, call: Call, team: Team) -> None:
        """Hold audio (the owner's, or a soft tone) and, if set, the periodic announcement."""
        self.stop_audio(call)
        call.hearing = str(hold_source(team))
        self.office.audio.play(line_port(call.line), hold_source(team), loop=True)
        call.cancel_timer(CallTimer.ANNOUNCE)
        if team.announce and team.announce_every_s:
            self.office.call_timer(call, CallTimer.ANNOUNCE, team.announce_every_s,
                             lambda: self._announce(call))

    def _announce(self, call: Call) -> None:
        call.timers.pop(CallTimer.ANNOUNCE, None)
        team = self.office.config.teams.get(call.team or "")
        if call.id in self.office.calls and call.phase is Phase.WAITING and team and team.announce:
            call.hearing = str(Say(team.announce))
            call.playback = self.office.audio.play(line_port(call.line), Say(team.announce))

    def overflow(self, call: Call, team: Team, reason: str) -> None:
        """The team could not take the call in time (or its queue is full)."""
        if call.id not in self.office.calls:
            return
        self.offers.withdraw_call(call)
        call.cancel_timer(CallTimer.MAX_WAIT)
        action, to_team = team.overflow.action, team.overflow.team
        log.info("call %s overflows team %s (%s)", call.id, team.id, reason)
        self.office.note(call, "overflow", f"{team.id}: {reason}")
        if action is Action.TEAM and to_team not in call.teams_visited:
            self.enqueue(call, to_team)
        elif team.overflow.sip is not None:
            self.gateway.hand_over(call, team.overflow.sip)
        elif action is Action.VOICEMAIL:
            self.voicemail(call, Outcome.FAILED)
        else:
            text = team.overflow.text or self._say(Phrase.ALL_BUSY)
            self.final_message(call, text + self._callback_offer(call, team.id),
                               Outcome.FAILED, reason)

    def final_message(self, call: Call, text: str, outcome: Outcome, reason: str) -> None:
        call.state, call.end_outcome, call.reason = CallState.MESSAGE, outcome, reason
        call.hangup_outcome = outcome
        self._play(call, Phase.FINAL_MESSAGE, Say(text))

    def cannot_take(self, call: Call, reason: str) -> None:
        """Tell the caller the box cannot take the call, then hang up (recorded failed)."""
        self.final_message(call, self._say(Phrase.CANNOT_TAKE), Outcome.FAILED, reason)

    def voicemail(self, call: Call, if_silent: Outcome, prompt: str | None = None) -> None:
        """Ask for a message; hanging up before the tone counts as ``if_silent``."""
        call.state, call.hangup_outcome = CallState.VOICEMAIL, if_silent
        self._play(call, Phase.VOICEMAIL_PROMPT, Say(prompt or self._say(Phrase.VOICEMAIL)))

    def finish(self, call: Call, outcome: Outcome, reason: str, *, hang_up: bool = True) -> None:
        """End the call everywhere: hardware, offers, agent, line, then write its record."""
        office = self.office
        if office.calls.pop(call.id, None) is None:
            return
        for name in list(call.timers):
            call.cancel_timer(name)
        self.stop_audio(call)
        agent_id = call.agent
        self.offers.end_call(call)
        if self.gateway.end(call):
            reason = "forwarded"       # the PBX took it; who hung up is the PBX's to record
        driver = office.line_drivers.get(call.line)
        if hang_up and driver is not None and call.line in office.lines:
            office.lines[call.line].releasing = True
            driver.hangup()
        self.line_idle(call.line)
        office.note(call, "ended", f"{outcome.value}: {reason}")
        if call.callback is not None:
            reason = f"callback_{reason}"
            self.callbacks.ended(call, reason)
        elif outcome in MISSED or reason in ("max_wait", "queue_full", "texts_only"):
            self.notices.missed(call.line, call.caller)
        office.keep(office.history.append, call_record(
            call, outcome, reason, agent_id, mono=office.clock.monotonic(),
            now=office.clock.now()))
        if outcome is Outcome.VOICEMAIL and call.phase is Phase.RECORDING:
            office.keep(office.history.add_voicemail, call.id, call.line, call.caller,
                       call.started.isoformat())
        self.offers.dispatch()

    # -- when the core itself fails -------------------------------------------------------------

    def abort_on_line(self, line_id: str) -> None:
        """A handler failed on an event of this line: end its call rather than leave it stuck."""
        call = self.office.call_on(line_id)
        if call is not None:
            self.abort(call)

    def abort(self, call: Call) -> None:
        """End a call the core could not handle: hung up, recorded ``failed``
        (``internal_error``). Never raises."""
        try:
            self.finish(call, Outcome.FAILED, "internal_error")
        except Exception:
            log.exception("could not end call %s cleanly; forgetting it", call.id)
            self.office.calls.pop(call.id, None)
            self.line_idle(call.line)

    def line_idle(self, line_id: str) -> None:
        """The line has no call; it shows idle once the device has also let go of it. A line
        removed from the configuration meanwhile is then dropped: its modem stops answering."""
        runtime = self.office.lines.get(line_id)
        if runtime is not None:
            runtime.call = None
            if runtime.state in (LineState.RINGING, LineState.IN_CALL) and not runtime.releasing:
                runtime.state = LineState.IDLE
            if line_id not in self.office.config.lines and not runtime.releasing:
                self._line_removed()

    # -- helpers ------------------------------------------------------------------------------

    def _closed(self, call: Call, line: Line) -> bool:
        """Out of hours, or the front panel's "closed now" switch is on: the schedule's
        closed action runs (with no schedule, the box says it is closed)."""
        why = self.office.closed_why(line.id)
        if why is None:
            return False
        schedule = self.office.config.schedule_of(line.id)
        call.reason = f"closed:{why}"
        self.office.note(call, "closed", why)
        action = schedule.closed_action if schedule is not None else Target()
        text = (fill_hours(action.text, schedule, self.office.language)
                if action.text and schedule is not None else None)
        if action.action is Action.VOICEMAIL:
            self.voicemail(call, Outcome.CLOSED, text)
        else:
            offer = self._callback_offer(call, home_team(self.office.config, line.id))
            self.final_message(call, (text or self._say(Phrase.CLOSED)) + offer,
                               Outcome.CLOSED, call.reason)
        return True

    # -- callbacks ------------------------------------------------------------------------------

    def _callback_offer(self, call: Call, team_id: str | None) -> str:
        """The words offering a callback from ``team_id`` (empty when it cannot be offered);
        the key then counts for that team."""
        team = self.office.config.teams.get(team_id or "")
        if team is None or not team.callback_key or Channel.VOICE not in team.channels or \
                not self.callbacks.possible(call.line, team.id, call.caller):
            return ""
        call.callback_offer = team.id
        return self._say(Phrase.CALLBACK_OFFER).replace("{key}", team.callback_key)

    def _callback_key(self, call: Call, digit: str) -> bool:
        """The caller pressed the callback key where it was offered: keep their place (or
        place them now, out of hours and after an overflow), confirm and hang up."""
        team = self.office.config.teams.get(call.callback_offer or "")
        waiting = call.phase is Phase.WAITING or call.phase is Phase.FINAL_MESSAGE
        if team is None or digit != team.callback_key or not waiting or not call.caller:
            return False
        self.offers.withdraw_call(call)
        call.cancel_timer(CallTimer.MAX_WAIT)
        call.cancel_timer(CallTimer.MENU)
        self.office.note(call, "callback_requested", team.id)
        cb = self.office.keep(self.callbacks.by_key, call, team.id, digit)
        if cb is None:                    # the request could not be kept: nothing was promised
            self.cannot_take(call, "history_failed")
            return True
        call.state, call.callback_offer = CallState.MESSAGE, None
        self.final_message(call, self.notices.spoken_confirmation(cb),
                           Outcome.CALLBACK_REQUESTED, "callback")
        self.notices.callback_requested(cb)
        return True

    def _menu_step(self, call: Call, step: menus.MenuStep) -> None:
        if isinstance(step, menus.PlayMenu):
            menu = self.office.config.menus.get(step.menu)
            if menu is None:
                return self.finish(call, Outcome.FAILED, "menu_missing")
            call.state = CallState.MENU
            self.office.note(call, "menu", f"{step.menu} ({step.reason.value})")
            prefix = self._say(SORRY[step.reason]) if step.reason in SORRY else ""
            source = Say(prefix + menu.prompt.text) if menu.prompt.text else source_of(menu.prompt)
            self._play(call, Phase.MENU_PROMPT, source)
        elif isinstance(step, menus.ToTeam):
            self.enqueue(call, step.team)
        elif isinstance(step, menus.ToPbx):
            self.gateway.hand_over(call, step.uri)
        else:
            self.route(call, Target(action=step.action, text=step.text))

    def _menu_timeout(self, call: Call) -> None:
        call.timers.pop(CallTimer.MENU, None)
        if call.id in self.office.calls and call.phase is Phase.MENU_INPUT:
            call.menu, step = menus.on_timeout(self.office.config, call.menu)
            self._menu_step(call, step)

    def _record(self, call: Call) -> None:
        self.office.note(call, "recording")
        call.phase, call.hangup_outcome = Phase.RECORDING, Outcome.VOICEMAIL
        call.hearing = "recording"
        self.office.audio.record(line_port(call.line), call.id)
        self.office.call_timer(call, CallTimer.VOICEMAIL, VOICEMAIL_MAX_S,
                         lambda: self.finish(call, Outcome.VOICEMAIL, "max_length"))

    def _play(self, call: Call, phase: Phase, source: Source) -> None:
        self.stop_audio(call)
        call.phase, call.hearing = phase, str(source)
        call.playback = self.office.audio.play(line_port(call.line), source)

    def stop_audio(self, call: Call) -> None:
        call.playback, call.hearing = None, ""
        self.office.audio.stop(line_port(call.line))

    def _say(self, key: Phrase) -> str:
        return phrase(self.office.language, key)

    def _entry(self, call: Call) -> Target:
        """The line's entry now (the line may have been removed while its call goes on)."""
        line = self.office.config.lines.get(call.line)
        return line.entry if line is not None else Target()
