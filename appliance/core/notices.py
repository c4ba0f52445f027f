"""Texts the box sends on its own: the missed-call text and what an answer to it means, the
callback confirmation, the owner's notices and the daily summary.

The missed-call text goes to a mobile number after an abandoned, busy or out-of-hours call, at
most once per number per day (the line's local day) and never while that number has a callback
open. A "sí" is consent only as an answer: to a missed-call text or a callback confirmation the
box sent that number in the last ``VALID_HOURS``; then it becomes a callback in the line's team,
placed at the moment of the answer (behind everyone already waiting) and deferred to the line's
opening when it comes out of hours. "no", "stop" or "baja" takes consent back and cancels the
number's callback. Any other text belongs to the SMS conversations.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from appliance import events as ev
from appliance.core.callbacks import Callback, Callbacks
from appliance.core.conversations import Conversations
from appliance.core.outbox import Outbox, Outgoing
from appliance.core.state import LineState
from appliance.media.speech import describe_hours
from appliance.policy.consent import VALID_HOURS, Reply, read_reply
from appliance.policy.routing import home_team
from appliance.policy.schedule import next_close, next_open
from appliance.policy.texts import Template, fill, is_mobile, when_text
from appliance.records import stats

if TYPE_CHECKING:
    from appliance.core.office import Office

log = logging.getLogger(__name__)

ASKED = ("missed_call", "callback")      # texts a "sí" can answer
MINUTES_PER_CALLER = 3                   # the wait a callback confirmation promises, per caller
SUMMARY_DEFAULT = time(20, 0)            # with no hours to end at
OWNER = {
    "es": {"voicemail": "Nuevo mensaje de voz de {number} ({seconds} s) en {line}.",
           "callback": "{number} pide que le llamen ({team}).",
           "summary": "Resumen de hoy: {calls} llamadas, {answered} atendidas, {abandoned} "
                      "abandonadas. Devoluciones pendientes: {callbacks}. Mensajes de voz: "
                      "{voicemails}. Líneas con problemas: {problems}.",
           "none": "ninguna", "withheld": "un número oculto"},
    "en": {"voicemail": "New voicemail from {number} ({seconds} s) on {line}.",
           "callback": "{number} asks to be called back ({team}).",
           "summary": "Today: {calls} calls, {answered} answered, {abandoned} abandoned. "
                      "Callbacks waiting: {callbacks}. Voicemails: {voicemails}. "
                      "Lines with problems: {problems}.",
           "none": "none", "withheld": "a withheld number"},
}


class Notices:
    def __init__(self, office: Office, outbox: Outbox, callbacks: Callbacks,
                 conversations: Conversations) -> None:
        self.office = office
        self.outbox = outbox
        self.callbacks = callbacks
        self.conversations = conversations
        self._summary_timer: Any = None
        self._summary_at: datetime | None = None

    # -- what a customer's text means ---------------------------------------------------------

    def received(self, e: ev.SmsReceived) -> None:
        office, now = self.office, self.office.clock.now()
        reply = read_reply(e.text)
        asked = self._asked(e.sender) if reply is not Reply.OTHER else None
        had_consent = reply is Reply.NO and bool(office.keep(office.history.consents,
                                                               number=e.sender))
        if not e.sender or (asked is None and not had_consent):
            if self.conversations.received(e.line, e.sender, e.text) is None:
                office.keep(office.history.add_sms, "in", e.line, e.sender, e.text, e.sent_at,
                           "received")
            return
        office.keep(office.history.add_sms, "in", e.line, e.sender, e.text, e.sent_at,
                   "received", purpose="consent")
        if reply is Reply.NO:
            log.info("consent taken back by SMS from %s", e.sender)
            office.keep(office.history.add_consent, e.sender, e.line, "sms", e.text,
                       now.isoformat(), granted=False, message=asked["seq"] if asked else None)
            self.callbacks.revoked(e.sender)
            return
        line = asked["line"] if asked else e.line
        team = home_team(office.config, line)
        if team is None or not self.callbacks.possible(line, team, e.sender):
            log.warning("a yes from %s, but line %s has no team to call back from", e.sender,
                        line)
            return
        cb = office.keep(self.callbacks.request, e.sender, line, team, place=now,
                        channel="sms", text=e.text, message=asked["seq"] if asked else None)
        if cb is not None:
            self.callback_requested(cb)

    def _asked(self, number: str) -> dict[str, Any] | None:
        """The text of ours a reply from ``number`` answers, if one was sent recently."""
        last = self.office.keep(self.office.history.last_sms_to, number, ASKED)
        if not last or not last["status"].startswith("sent"):
            return None
        age = self.office.clock.now() - datetime.fromisoformat(last["at"])
        return last if age <= timedelta(hours=VALID_HOURS) else None

    # -- texts to customers ---------------------------------------------------------------------

    def missed(self, line_id: str, number: str | None) -> None:
        """After an abandoned, busy or out-of-hours call: the missed-call text, if it may go."""
        office = self.office
        if not (office.messaging.missed_call_texts and is_mobile(number, office.country)
                and self.outbox.can_text(line_id) and number):
            return
        if self.callbacks.open_for(number) or self.outbox.pending(number, "missed_call"):
            return
        last = office.keep(office.history.last_sms_to, number, ("missed_call",))
        if last and datetime.fromisoformat(last["at"]) >= office.midnight(self._zone(line_id)):
            return
        schedule = office.config.schedule_of(line_id)
        hours = describe_hours(schedule, office.language) if schedule else ""
        text = fill(office.messaging.template(office.language, Template.MISSED_CALL),
                    hours=hours)
        self.outbox.send(Outgoing(line_id, number, " ".join(text.split()), "missed_call"))

    def callback_requested(self, cb: Callback) -> None:
        """Confirm to the customer when they will be called, and tell the owner."""
        office = self.office
        ahead = sum(1 for c in office.calls.values() if c.team == cb.team and c.waiting_since
                    is not None and c.callback != cb.id and c.state.value in ("queued",
                                                                              "offered"))
        text = self._confirmation(cb, (ahead + 1) * MINUTES_PER_CALLER)
        if self.outbox.can_text(cb.line):
            self.outbox.send(Outgoing(cb.line, cb.number, text, "callback"))
        team = office.config.teams.get(cb.team)
        self.owner("callback", number=cb.number, team=team.name if team else cb.team)

    def spoken_confirmation(self, cb: Callback) -> str:
        """What the caller hears after pressing the key (the same words as the text)."""
        return self._confirmation(cb, MINUTES_PER_CALLER)

    def _confirmation(self, cb: Callback, minutes: int) -> str:
        """The callback template with when the call comes: in about ``minutes``, or at the
        line's opening when it is closed."""
        office = self.office
        when = when_text(office.language, office.clock.now(), minutes=minutes,
                         opening=self.callbacks.opening(cb.line))
        return fill(office.messaging.template(office.language, Template.CALLBACK), when=when)

    # -- texts to the owner -----------------------------------------------------------------------

    def voicemail(self, line_id: str, number: str | None, seconds: float) -> None:
        line = self.office.config.lines.get(line_id)
        self.owner("voicemail", number=number or self._words()["withheld"],
                   seconds=str(round(seconds)), line=line.name if line else line_id)

    def owner(self, kind: str, **values: str) -> None:
        mobile = self.office.messaging.owner_mobile
        line = self._texting_line()
        if mobile and line:
            purpose = "summary" if kind == "summary" else "notice"
            self.outbox.send(Outgoing(line, mobile, fill(self._words()[kind], **values),
                                      purpose))

    def arm_summary(self) -> None:
        """Send the daily summary at closing time (the owner's time, or when the last line's
        hours end today), then again each day. Also called when the clock jumps: a summary
        whose time has come is sent now."""
        now = self.office.clock.now()
        if self._summary_at is not None and self._summary_at <= now:
            self._summary_due()
            return
        if self._summary_timer is not None:
            self._summary_timer.cancel()
        at = self.summary_time(now)
        if at <= now:
            at = self.summary_time(now + timedelta(days=1))
        self._summary_at = at
        self._summary_timer = self.office.after((at - now).total_seconds(), self._summary_due)

    def summary_time(self, day: datetime) -> datetime:
        office, tz = self.office, self._zone()
        local = day.astimezone(tz)
        if office.messaging.summary_at:
            hour, minute = (int(x) for x in office.messaging.summary_at.split(":"))
            return datetime.combine(local.date(), time(hour % 24, minute), tz)
        closes = [c for s in self._schedules() if (c := _last_close(s, local)) is not None]
        return max(closes) if closes else datetime.combine(local.date(), SUMMARY_DEFAULT, tz)

    def _summary_due(self) -> None:
        if self._summary_timer is not None:
            self._summary_timer.cancel()
        self._summary_timer = self._summary_at = None
        mobile = self.office.messaging.owner_mobile
        if self.office.messaging.daily_summary and mobile and not self._sent_today(mobile):
            self.owner("summary", **self.summary_figures())
        self.arm_summary()

    def _sent_today(self, mobile: str) -> bool:
        last = self.office.keep(self.office.history.last_sms_to, mobile, ("summary",))
        day = self.office.midnight()
        return (self.outbox.pending(mobile, "summary")
                or bool(last and datetime.fromisoformat(last["at"]) >= day))

    def summary_figures(self) -> dict[str, str]:
        office = self.office
        since = office.midnight().timestamp()
        counts = office.keep(stats.outcomes_since, office.history, since) or {}
        voicemails = office.keep(stats.voicemails_since, office.history, since) or 0
        problems = [f"{office.config.lines[lid].name} ({rt.reason or rt.state.value})"
                    for lid, rt in office.lines.items() if lid in office.config.lines
                    and rt.state in (LineState.OFFLINE, LineState.ERROR)]
        return {"calls": str(sum(counts.values())), "answered": str(counts.get("answered", 0)),
                "abandoned": str(counts.get("abandoned", 0)),
                "callbacks": str(len(self.callbacks.open)), "voicemails": str(voicemails),
                "problems": ", ".join(problems) or self._words()["none"]}

    # -- helpers ----------------------------------------------------------------------------------

    def _texting_line(self) -> str | None:
        lines = [lid for lid in self.office.config.lines if self.outbox.can_text(lid)]
        up = [lid for lid in lines if self.office.lines.get(lid) is not None
              and self.office.lines[lid].state not in (LineState.OFFLINE, LineState.ERROR)]
        return (up or lines or [None])[0]

    def _schedules(self) -> list[Any]:
        config = self.office.config
        ids = {line.schedule for line in config.lines.values() if line.schedule}
        return [config.schedules[s] for s in sorted(ids) if s in config.schedules]

    def _zone(self, line_id: str | None = None) -> ZoneInfo:
        """A line's time zone (its hours'), else the office's."""
        schedule = self.office.config.schedule_of(line_id or "")
        return ZoneInfo(schedule.timezone) if schedule else self.office.zone()

    def _words(self) -> dict[str, str]:
        return OWNER.get(self.office.language, OWNER["en"])



def _last_close(schedule: Any, local: datetime) -> datetime | None:
    """When ``schedule``'s hours end on ``local``'s day (the end of its last open period)."""
    start = datetime.combine(local.date(), time(0), local.tzinfo)
    end_of_day = start + timedelta(days=1)
    last, at = None, start
    while (opens := next_open(schedule, at, horizon_days=1)) is not None and opens < end_of_day:
        closes = next_close(schedule, opens, horizon_days=1)
        if closes is None:
            break
        last, at = closes, closes
    return last
