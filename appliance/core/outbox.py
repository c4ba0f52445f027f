"""Texts waiting for their line: sent one at a time, only while the line has no call.

A modem sends an SMS on the same AT channel it answers calls on, and a send can take up to a
minute on a slow network. So the core never hands a line a text while it rings, talks or hangs
up: texts queue here, per line, and go out one by one between calls (``flush`` runs after every
event the core handles). A caller ringing while a text waits is answered at once; the text
follows when that call is over. Each text is kept in the history with what it was for once the
modem says how it went.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance import events as ev
from hardware.interfaces import Capability

if TYPE_CHECKING:
    from appliance.core.office import Office

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    line: str
    number: str
    text: str
    purpose: str                    # "missed_call" | "callback" | "reply" | "notice" | ...
    conversation: str | None = None


class Outbox:
    def __init__(self, office: Office) -> None:
        self.office = office
        self._waiting: dict[str, deque[Outgoing]] = {}
        self._sending: dict[str, Outgoing] = {}

    def send(self, item: Outgoing) -> None:
        self._waiting.setdefault(item.line, deque()).append(item)

    def can_text(self, line_id: str) -> bool:
        driver = self.office.line_drivers.get(line_id)
        return driver is not None and Capability.SMS in driver.capabilities

    def sending(self, line_id: str) -> bool:
        return line_id in self._sending

    def pending(self, number: str, purpose: str) -> bool:
        """Whether a text for ``number`` with ``purpose`` is queued or being sent."""
        items = [*self._sending.values(), *(i for q in self._waiting.values() for i in q)]
        return any(i.number == number and i.purpose == purpose for i in items)

    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values()) + len(self._sending)

    def flush(self) -> None:
        """Hand each idle line its next text."""
        for line_id, queue in self._waiting.items():
            if not queue or line_id in self._sending:
                continue
            if not self.can_text(line_id):
                self._record(queue.popleft(), "failed: the line cannot send texts")
            elif (line := self.office.lines.get(line_id)) is not None and line.free:
                item = self._sending[line_id] = queue.popleft()
                self.office.line_drivers[line_id].send_sms(item.number, item.text)

    def sent(self, e: ev.SmsSent) -> None:
        """The modem says how a text went: keep it with its purpose."""
        item = self._sending.pop(e.line, None)
        if item is None or (item.number, item.text) != (e.number, e.text):
            item = Outgoing(e.line, e.number, e.text, "")
        self._record(item, "sent" if e.ok else f"failed: {e.error}")

    def line_gone(self, line_id: str) -> None:
        """The line went down mid-send: its modem will not report that text."""
        item = self._sending.pop(line_id, None)
        if item is not None:
            self._waiting.setdefault(line_id, deque()).appendleft(item)

    def _record(self, item: Outgoing, status: str) -> None:
        if status != "sent":
            log.warning("text to %s on %s: %s", item.number, item.line, status)
        self.office.keep(self.office.history.add_sms, "out", item.line, item.number, item.text,
                         self.office.clock.now().isoformat(), status, purpose=item.purpose,
                         conversation=item.conversation)
