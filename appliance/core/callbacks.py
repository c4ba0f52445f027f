"""Callbacks that keep the caller's place: a virtual caller in the team's queue, then the agent
rung first, then the customer dialled.

A callback waits in its team's queue as a ``Call`` with no line, ordered by ``waiting_since``
like everyone else, so it is never offered ahead of a live caller who was waiting before it;
its place is when its caller joined the queue (a caller who presses the key while waiting keeps
theirs) or when it was asked for (by SMS, or out of hours). ``Offers`` rings an agent for it
only when it is ``ready``: due (not waiting out a retry), inside the line's hours, and with a
line of the team free to dial on. When the agent lifts the handset the box says whom it calls
and dials from a free line; the customer answering is bridged to the agent. Busy, no answer
or an agent who gives up first is another try later, up to the team's ``callback_tries``.

Rule 4 stays with the core: the number is dialled only with consent in force, checked again
at the moment of dialling. One number has at most one open callback. Every change is written
to the history before anything else happens, and open callbacks come back after a restart.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from appliance import events as ev
from appliance.core.state import Call, CallState, LineState, Outcome, Phase
from appliance.core.timers import Timer
from appliance.policy.consent import VALID_HOURS, valid_consent
from appliance.policy.routing import home_team
from appliance.policy.schedule import next_open
from hardware.audio.sources import Say
from hardware.interfaces import Capability, line_port, station_port

if TYPE_CHECKING:
    from appliance.core.offers import Offers
    from appliance.core.office import Office
    from appliance.core.outbox import Outbox

log = logging.getLogger(__name__)

RECHECK_S = 300.0          # a waiting callback is looked at again at least this often
NO_LINE_RETRY_S = 60.0     # the agent lifted but every line was taken meanwhile
ANNOUNCE = {"es": "Devolución de llamada al {number}. Llamando.",
            "en": "Calling back {number}. Dialling now."}


class CallbackState(StrEnum):
    WAITING = "waiting"        # in the queue (or waiting for its hours or its next try)
    RINGING = "ringing"        # an agent's handset rings for it
    CALLING = "calling"        # the agent took it: the customer is dialled, or talking
    DONE = "done"              # the customer answered
    FAILED = "failed"          # every try was busy or unanswered, or its team is gone
    CANCELLED = "cancelled"    # by the owner, or the customer took consent back


OPEN = (CallbackState.WAITING, CallbackState.RINGING, CallbackState.CALLING)


@dataclass
class Callback:
    id: str
    number: str
    line: str                  # the line the customer called (dialled from when free)
    team: str
    place: datetime            # its place in the queue
    requested: datetime
    consent: int | None
    call_id: str | None        # the call it was asked during, if any
    state: CallbackState = CallbackState.WAITING
    attempts: int = 0
    next_at: datetime | None = None
    result: str = ""
    virtual: str | None = None     # its ``Call`` in the core's calls while open

    def record(self, now: datetime) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "line": self.line, "team": self.team,
                "state": self.state.value, "attempts": self.attempts,
                "requested": self.requested.isoformat(), "place": self.place.isoformat(),
                "next_at": self.next_at.isoformat() if self.next_at else None,
                "consent": self.consent, "call_id": self.call_id, "result": self.result,
                "updated": now.isoformat()}

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Callback:
        return cls(r["id"], r["number"], r["line"], r["team"],
                   datetime.fromisoformat(r["place"]), datetime.fromisoformat(r["requested"]),
                   r["consent"], r["call_id"], CallbackState(r["state"]), r["attempts"],
                   datetime.fromisoformat(r["next_at"]) if r["next_at"] else None, r["result"])


class Callbacks:
    def __init__(self, office: Office, offers: Offers, outbox: Outbox) -> None:
        self.office = office
        self.offers = offers
        self.outbox = outbox
        self.open: dict[str, Callback] = {}
        self._wake: Timer | None = None

    # -- asking ---------------------------------------------------------------------------------

    def open_for(self, number: str) -> Callback | None:
        return next((cb for cb in self.open.values() if cb.number == number), None)

    def possible(self, line_id: str, team_id: str | None, number: str | None) -> bool:
        """Whether a caller on ``line_id`` can be offered a callback from ``team_id``: their
        number is known and some line of that team can dial."""
        return bool(number and team_id in self.office.config.teams
                    and self._lines_for(team_id, line_id))

    def request(self, number: str, line_id: str, team_id: str, *, place: datetime,
                channel: str, text: str, call_id: str | None = None,
                message: int | None = None) -> Callback:
        """Record the consent and the callback (or return the one already open for the
        number: never two). Raises HistoryError when neither could be written."""
        existing = self.open_for(number)
        if existing is not None:
            log.info("callback for %s already open (%s): not another", number, existing.id)
            return existing
        office, now = self.office, self.office.clock.now()
        expires = max(now, self.opening(line_id) or now) + timedelta(hours=VALID_HOURS)
        consent = office.history.add_consent(number, line_id, channel, text, now.isoformat(),
                                             call_id, expires=expires.isoformat(),
                                             message=message)
        cb = Callback(uuid.uuid4().hex[:12], number, line_id, team_id, place, now, consent,
                      call_id)
        self._save(cb)
        self.open[cb.id] = cb
        self._queue(cb)
        log.info("callback %s for %s in team %s (consent %d)", cb.id, number, team_id, consent)
        return cb

    def by_key(self, call: Call, team_id: str, digit: str) -> Callback:
        """The caller pressed the callback key: a caller waiting in that team keeps their
        place (when they joined its queue); otherwise (out of hours, at an overflow) their
        place is now."""
        office, mono = self.office, self.office.clock.monotonic()
        queued = call.state in (CallState.QUEUED, CallState.OFFERED) and call.team == team_id
        since = call.waiting_since if queued and call.waiting_since is not None else mono
        place = office.clock.now() - timedelta(seconds=mono - since)
        return self.request(call.caller or "", call.line, team_id, place=place,
                            channel="dtmf", text=digit, call_id=call.id)

    def opening(self, line_id: str) -> datetime | None:
        """When the line's hours next open, if they are closed now (None: open now)."""
        if self.office.closed_why(line_id) is None:
            return None
        schedule = self.office.config.schedule_of(line_id)
        return next_open(schedule, self.office.clock.now()) if schedule else None

    def cancel(self, cid: str, why: str) -> bool:
        """Stop a callback that is not being dialled; False when there is none to stop."""
        cb = self.open.get(cid)
        if cb is None or cb.state is CallbackState.CALLING:
            return False
        self._close(cb, CallbackState.CANCELLED, why)
        return True

    def revoked(self, number: str) -> None:
        cb = self.open_for(number)
        if cb is not None:
            self.cancel(cb.id, "consent_taken_back")

    # -- the queue --------------------------------------------------------------------------------

    def load(self) -> None:
        """After a start: open callbacks join their queues again (one being dialled when the
        box went down is waiting again; that try counted)."""
        for record in self.office.keep(self.office.history.callbacks, 1000, open_only=True) or []:
            cb = Callback.from_record(record)
            cb.state = CallbackState.WAITING
            self.open[cb.id] = cb
            self._queue(cb)

    def ready(self, call: Call) -> bool:
        """Whether ``Offers`` may ring an agent for this callback now."""
        cb = self.open.get(call.callback or "")
        if cb is None:
            return False
        now = self.office.clock.now()
        if cb.next_at is not None and now < cb.next_at:
            self._arm((cb.next_at - now).total_seconds())
            return False
        if self.office.closed_why(cb.line) is not None:
            opening = self.opening(cb.line)
            self._arm((opening - now).total_seconds() if opening else RECHECK_S)
            return False
        return self.free_line(cb) is not None

    def offered(self, call: Call) -> None:
        cb = self.open.get(call.callback or "")
        if cb is not None:
            cb.state = CallbackState.RINGING
            self._save(cb)

    def unoffered(self, call: Call) -> None:
        cb = self.open.get(call.callback or "")
        if cb is not None and cb.state is CallbackState.RINGING:
            cb.state = CallbackState.WAITING
            self._save(cb)

    def config_changed(self) -> None:
        """A callback whose team was deleted waits in its line's team now, or fails."""
        for cb in list(self.open.values()):
            if cb.team in self.office.config.teams or cb.state is CallbackState.CALLING:
                continue
            team = home_team(self.office.config, cb.line)
            if team is None:
                self._close(cb, CallbackState.FAILED, "no_team")
                continue
            cb.team = team
            call = self.office.calls.get(cb.virtual or "")
            if call is not None:
                call.team = team
            self._save(cb)

    # -- the agent took it ------------------------------------------------------------------------

    def taken(self, call: Call, station_id: str) -> None:
        """The agent lifted the handset rung for this callback: dial the customer."""
        office, cb = self.office, self.open.get(call.callback or "")
        line_id = self.free_line(cb) if cb else None
        consent = valid_consent(office.history.consents(number=call.caller),
                                call.caller or "", office.clock.now()) if cb else None
        if cb is None or line_id is None or consent is None:
            why = "no_line" if consent is not None or cb is None else "no_consent"
            log.warning("callback %s not dialled: %s", call.callback, why)
            self._untaken(call, cb, why)
            return
        driver = office.line_drivers[line_id]
        runtime = office.lines[line_id]
        runtime.call, runtime.state = call.id, LineState.IN_CALL
        call.line, call.state, call.phase = line_id, CallState.CALLING_BACK, Phase.DIALLING
        call.hearing = ""
        cb.state, cb.attempts, cb.next_at = CallbackState.CALLING, cb.attempts + 1, None
        self._save(cb)
        office.note(call, "dialling", f"{call.caller} on {line_id} (consent {consent.record_id})")
        office.audio.play(station_port(station_id), Say(self._announce(call.caller or "")))
        log.info("callback %s: calling %s on %s (try %d)", cb.id, call.caller, line_id,
                 cb.attempts)
        driver.dial(call.caller)

    def dial_result(self, e: ev.DialResult) -> Call | None:
        """The customer answered: bridge them to the agent. Returns the call when they did
        not (the call flow ends it, and ``ended`` decides about the next try)."""
        call = self.office.call_on(e.line)
        if call is None or call.phase is not Phase.DIALLING:
            return None
        if e.outcome != "answered":
            self.office.note(call, "not_answered", e.outcome)
            return call
        office = self.office
        call.state, call.phase, call.hearing = CallState.CONNECTED, Phase.TALKING, "agent"
        call.answered_mono, call.hangup_outcome = office.clock.monotonic(), Outcome.ANSWERED
        office.note(call, "connected", call.agent or "")
        office.audio.stop(station_port(call.station or ""))
        office.audio.bridge(line_port(e.line), station_port(call.station or ""))
        cb = self.open.get(call.callback or "")
        if cb is not None:
            self._close(cb, CallbackState.DONE, "answered", keep_call=True)
        return None

    def ended(self, call: Call, reason: str) -> None:
        """A dialled callback's call is over; unless it was answered, try again later."""
        cb = self.open.get(call.callback or "")
        if cb is None or cb.state is not CallbackState.CALLING:
            return
        team = self.office.config.teams.get(cb.team)
        if team is None or cb.attempts >= team.callback_tries:
            self._close(cb, CallbackState.FAILED, reason, keep_call=True)
            return
        cb.state, cb.result = CallbackState.WAITING, reason
        cb.next_at = self.office.clock.now() + timedelta(minutes=team.callback_every_min)
        self._save(cb)
        self._queue(cb)

    # -- helpers ----------------------------------------------------------------------------------

    def free_line(self, cb: Callback) -> str | None:
        return next((lid for lid in self._lines_for(cb.team, cb.line) if self._free(lid)), None)

    def _lines_for(self, team_id: str | None, preferred: str) -> list[str]:
        config = self.office.config
        lines = [preferred] + [lid for lid in config.lines
                               if lid != preferred and home_team(config, lid) == team_id]
        return [lid for lid in lines if lid in config.lines and self._dials(lid)]

    def _dials(self, line_id: str) -> bool:
        driver = self.office.line_drivers.get(line_id)
        return driver is not None and Capability.DIAL in driver.capabilities

    def _free(self, line_id: str) -> bool:
        line = self.office.lines.get(line_id)
        return line is not None and line.free and not self.outbox.sending(line_id)

    def _queue(self, cb: Callback) -> None:
        """Put the callback's virtual caller in its team's queue at its place."""
        office = self.office
        now, mono = office.clock.now(), office.clock.monotonic()
        call = Call(uuid.uuid4().hex[:12], "", cb.number, now, mono, state=CallState.QUEUED,
                    phase=Phase.WAITING, team=cb.team, callback=cb.id,
                    waiting_since=mono - max(0.0, (now - cb.place).total_seconds()))
        office.calls[call.id] = call
        cb.virtual = call.id

    def _untaken(self, call: Call, cb: Callback | None, why: str) -> None:
        """The agent lifted but the box cannot dial: the agent is let go (a handset hears the
        busy tone); the callback waits a minute (no line free) or is cancelled (no consent)."""
        self.office.calls.pop(call.id, None)
        self.offers.end_call(call)
        if cb is None:
            return
        if why == "no_consent":
            self._close(cb, CallbackState.CANCELLED, why)
            return
        cb.state = CallbackState.WAITING
        cb.next_at = self.office.clock.now() + timedelta(seconds=NO_LINE_RETRY_S)
        self._queue(cb)

    def _close(self, cb: Callback, state: CallbackState, result: str, *,
               keep_call: bool = False) -> None:
        cb.state, cb.result, cb.next_at = state, result, None
        self.open.pop(cb.id, None)
        call = self.office.calls.get(cb.virtual or "")
        if call is not None and not keep_call:
            self.office.calls.pop(call.id, None)
            self.offers.withdraw_call(call)
        self._save(cb)
        log.info("callback %s for %s: %s (%s)", cb.id, cb.number, state.value, result)

    def _announce(self, number: str) -> str:
        words = ANNOUNCE.get(self.office.language, ANNOUNCE["en"])
        return words.replace("{number}", " ".join(number.lstrip("+")))

    def _arm(self, seconds: float) -> None:
        """Look at the queue again in ``seconds`` (one timer for every waiting callback)."""
        seconds = min(max(seconds, 0.5), RECHECK_S)
        due = self.office.clock.monotonic() + seconds
        if self._wake is not None and not self._wake.cancelled and self._wake.deadline <= due:
            return
        if self._wake is not None:
            self._wake.cancel()
        self._wake = self.office.after(seconds, self._woken)

    def _woken(self) -> None:
        self._wake = None
        self.offers.dispatch()

    def _save(self, cb: Callback) -> None:
        self.office.keep(self.office.history.save_callback, cb.record(self.office.clock.now()))
