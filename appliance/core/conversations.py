"""SMS conversations: a customer's texts to a line, answered by its SMS team from the page.

A text that is not an answer to the box opens a conversation with its number, or continues the
open one. It is assigned to an available agent of the line's SMS team (``routing.sms_team``)
with the fewest open conversations, up to the owner's ``conversations_per_agent``; texts do not
take the agent's one call, so an agent on the phone can still be given a conversation. With
nobody available it waits unassigned and is given to the first agent who becomes available.
Staff reply from the page (the reply leaves from the same line, through the outbox) and close
it; after ``quiet_close_min`` without a message either way it closes by itself. Everything is
in the history, open conversations come back after a restart.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from appliance.config.model import Presence
from appliance.core.outbox import Outgoing
from appliance.core.timers import Timer
from appliance.errors import Conflict, NotFound, Text, ValidationError
from appliance.policy.routing import sms_team
from appliance.policy.texts import MAX_SMS_TEXT

if TYPE_CHECKING:
    from appliance.core.office import Office
    from appliance.core.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Conversation:
    id: str
    line: str
    number: str
    team: str | None
    agent: str | None
    opened: datetime
    last_at: datetime
    timer: Timer | None = None

    def record(self, state: str = "open", closed: str | None = None,
               closed_by: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "line": self.line, "number": self.number, "team": self.team,
                "agent": self.agent, "state": state, "opened": self.opened.isoformat(),
                "last_at": self.last_at.isoformat(), "closed": closed, "closed_by": closed_by}


class Conversations:
    def __init__(self, office: Office, outbox: Outbox) -> None:
        self.office = office
        self.outbox = outbox
        self.open: dict[str, Conversation] = {}

    def load(self) -> None:
        for r in self.office.keep(self.office.history.conversations, 1000,
                                  open_only=True) or []:
            conv = Conversation(r["id"], r["line"], r["number"], r["team"], r["agent"],
                                datetime.fromisoformat(r["opened"]),
                                datetime.fromisoformat(r["last_at"]))
            self.open[conv.id] = conv
            self._arm(conv)

    def received(self, line_id: str, number: str, text: str) -> Conversation | None:
        """Keep a customer's text in their conversation (opened if need be); None when no team
        serves texts (the caller keeps it in the history on its own)."""
        office, now = self.office, self.office.clock.now()
        conv = next((c for c in self.open.values() if c.number == number), None)
        if conv is None:
            team = sms_team(office.config, line_id)
            if team is None:
                return None
            conv = Conversation(uuid.uuid4().hex[:12], line_id, number, team, None, now, now)
            self.open[conv.id] = conv
            self._assign(conv)
            log.info("conversation %s with %s opened for team %s (%s)", conv.id, number, team,
                     conv.agent or "nobody available yet")
        office.keep(office.history.add_sms, "in", line_id, number, text, now.isoformat(),
                   "received", purpose="conversation", conversation=conv.id)
        self._touch(conv)
        return conv

    def reply(self, cid: str, text: str) -> None:
        conv = self.open.get(cid)
        if conv is None:
            raise self._missing(cid)
        text = (text or "").strip() if isinstance(text, str) else ""
        if not text or len(text) > MAX_SMS_TEXT:
            raise ValidationError({"text": Text("Write 1 to %(n)d characters.", n=MAX_SMS_TEXT)})
        self.outbox.send(Outgoing(conv.line, conv.number, text, "reply", conv.id))
        self._touch(conv)

    def close(self, cid: str, by: str) -> None:
        conv = self.open.pop(cid, None)
        if conv is None:
            raise self._missing(cid)
        if conv.timer is not None:
            conv.timer.cancel()
        now = self.office.clock.now().isoformat()
        self.office.keep(self.office.history.save_conversation, conv.record("closed", now, by))
        log.info("conversation %s closed (%s)", cid, by)

    def assign_waiting(self) -> None:
        """Give unassigned conversations to agents who became available; take them back from
        agents who left their team."""
        for conv in self.open.values():
            team = self.office.config.teams.get(conv.team or "")
            if conv.agent is not None and team is not None and conv.agent in team.members:
                continue
            before = conv.agent
            conv.agent = None
            self._assign(conv)
            if conv.agent != before:
                self.office.keep(self.office.history.save_conversation, conv.record())

    def _assign(self, conv: Conversation) -> None:
        office = self.office
        team = office.config.teams.get(conv.team or "")
        if team is None:
            return
        load = dict.fromkeys(team.members, 0)
        for other in self.open.values():
            if other.agent in load:
                load[other.agent] += 1
        limit = office.messaging.conversations_per_agent
        free = [a for a in team.members if office.presence.get(a) is Presence.AVAILABLE
                and load[a] < limit]
        if free:
            conv.agent = min(free, key=lambda a: (load[a], team.members.index(a)))

    def _touch(self, conv: Conversation) -> None:
        conv.last_at = self.office.clock.now()
        self.office.keep(self.office.history.save_conversation, conv.record())
        self._arm(conv)

    def _arm(self, conv: Conversation) -> None:
        """Close the conversation after the quiet period from its last message."""
        if conv.timer is not None:
            conv.timer.cancel()
        quiet = timedelta(minutes=self.office.messaging.quiet_close_min)
        left = (conv.last_at + quiet - self.office.clock.now()).total_seconds()
        conv.timer = self.office.after(max(0.0, left), lambda: self._quiet(conv.id))

    def _quiet(self, cid: str) -> None:
        if cid in self.open:
            self.close(cid, "quiet")

    def _missing(self, cid: str) -> Exception:
        if self.office.keep(self.office.history.conversation, cid) is None:
            return NotFound(Text("No conversation '%(id)s'.", id=cid))
        return Conflict(Text("This conversation is closed: a new text from the customer "
                             "opens a new one."))
