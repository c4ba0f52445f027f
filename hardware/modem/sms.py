"""SMS over AT in PDU mode: send (split when long), read stored messages, reassemble parts.

PDU mode carries accents (UCS-2) and long messages (concatenation headers) that text mode
cannot, on every modem family (at-commands.md §6.4). A stored message is deleted only once it
was handed on whole (every part of a long one), so nothing is lost if the box dies between the
two; one that cannot be read stays on the SIM. Only received messages are read: the SIM's
outgoing drafts are not ours to delete.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable

from hardware import events as ev

from . import answers
from .at import AtChannel
from .pdu import Deliver, PduError, Reassembler, decode_deliver, encode_submit
from .urc import fields

log = logging.getLogger(__name__)

SMS_TIMEOUT_S = 60.0
RECEIVED = (0, 1)      # <stat> of received messages (unread, read); 2 and 3 are outgoing


class SmsError(Exception):
    pass


def send(chan: AtChannel, number: str, text: str, *, ref: int,
         timeout: float = SMS_TIMEOUT_S) -> list[int]:
    """Send every part; returns the network's message references. Raises SmsError."""
    refs = []
    for part in encode_submit(number, text, ref=ref):
        result = chan.command(f"AT+CMGS={part.tpdu_length}", expect=("+CMGS:",),
                              body=part.hex.encode("ascii"), body_timeout=timeout)
        if not result.ok:
            raise SmsError(f"the modem refused the message ({result.final})")
        refs.append(int(fields(result.first("+CMGS:") or "0")[0] or 0))
    return refs


def read_stored(chan: AtChannel, index: int) -> str | None:
    """The received PDU stored at ``index``; None when the slot is empty or holds a draft."""
    result = chan.command(f"AT+CMGR={index}", expect=("+CMGR:",), shape=answers.pdu)
    if not result.ok or len(result.lines) < 2 or not result.lines[0].startswith("+CMGR:"):
        return None
    received = answers.header_number(result.lines[0], 0) in RECEIVED
    return result.lines[1] if received else None


def list_stored(chan: AtChannel) -> list[tuple[int, str]]:
    """Every received message stored as (index, PDU): the start-up sweep for what came while
    we were off. Each ``+CMGL:`` header is paired with the PDU line right after it."""
    result = chan.command("AT+CMGL=4", expect=("+CMGL:",), shape=answers.pdu, timeout=20)
    found, header = [], None
    for line in result.lines:
        if line.startswith("+CMGL:"):
            header = (answers.header_number(line, 0), answers.header_number(line, 1))
        elif header is not None:
            index, stat = header
            if index is not None and stat in RECEIVED:
                found.append((index, line))
            header = None
    return found


def delete(chan: AtChannel, index: int) -> None:
    chan.command(f"AT+CMGD={index}")


class Inbox:
    """Turns PDUs into whole messages for ``deliver``; parts wait for their siblings.

    Each PDU may come with the SIM slot it is stored in; ``add`` and ``expire`` return the
    slots that are now safe to delete: those of messages handed to ``deliver``.
    """

    def __init__(self, deliver: Callable[[Deliver], None], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._deliver = deliver
        self._clock = clock
        self._parts = Reassembler()
        self._slots: dict[tuple, list[int]] = {}     # a long message's key -> its parts' slots

    def add(self, pdu: str, slot: int | None = None) -> list[int]:
        try:
            message = decode_deliver(pdu)
        except PduError as exc:
            log.warning("unreadable SMS left on the SIM (slot %s): %s (%s)", slot, exc,
                        pdu[:60])
            return []
        key = self._parts.key(message)
        slots = self._slots.setdefault(key, []) if key else []
        if slot is not None and slot not in slots:
            slots.append(slot)
        whole = self._parts.add(message, now=self._clock())
        if whole is None:
            return self._slots.pop(key) if self._parts.is_done(key) else []
        self._deliver(whole)
        return self._slots.pop(key) if key else slots

    def expire(self) -> list[int]:
        """Hand on long messages whose parts stopped coming (with gaps marked)."""
        for message in self._parts.expire(self._clock()):
            self._deliver(message)
        given_up = [key for key in self._slots if not self._parts.waiting(key)]
        return [slot for key in given_up for slot in self._slots.pop(key)]


class LineSms:
    """One line's text messages: sent with their outcome reported, received ones handed on
    whole (as ``SmsReceived``) before their SIM slots are freed. Runs on the modem's worker."""

    def __init__(self, line_id: str, emit: Callable[[object], None]) -> None:
        self._line = line_id
        self._emit = emit
        self._refs = itertools.count(1)
        self._inbox = Inbox(self._arrived)

    def send(self, chan: AtChannel, number: str, text: str) -> None:
        try:
            send(chan, number, text, ref=next(self._refs) & 0xFF)
        except (SmsError, ValueError) as exc:
            self._emit(ev.SmsSent(self._line, number, text, ok=False, error=str(exc)))
            return
        self._emit(ev.SmsSent(self._line, number, text, ok=True))

    def sweep(self, chan: AtChannel) -> None:
        """What came while we were off (the start-up sweep)."""
        for index, pdu in list_stored(chan):
            self._free(chan, self._inbox.add(pdu, index))

    def stored(self, chan: AtChannel, index: int) -> None:
        """A message just stored at ``index`` (``+CMTI``)."""
        pdu = read_stored(chan, index)
        if pdu is not None:
            self._free(chan, self._inbox.add(pdu, index))

    def direct(self, pdu: str) -> None:
        """A message delivered straight to us (``+CMT``): nothing to free."""
        self._inbox.add(pdu)

    def expire(self, chan: AtChannel) -> None:
        self._free(chan, self._inbox.expire())

    @staticmethod
    def _free(chan: AtChannel, slots: list[int]) -> None:
        for slot in slots:
            delete(chan, slot)

    def _arrived(self, message: Deliver) -> None:
        self._emit(ev.SmsReceived(self._line, message.sender, message.text,
                                  message.timestamp.isoformat()))
