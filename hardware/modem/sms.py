"""SMS over AT in PDU mode: send (split when long), read stored messages, reassemble parts.

PDU mode carries accents (UCS-2) and long messages (concatenation headers) that text mode
cannot, on every modem family (at-commands.md §6.4). Stored messages are deleted only after
they were decoded and handed on, so nothing is lost if the box dies between the two.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .at import AtChannel
from .pdu import Deliver, PduError, Reassembler, decode_deliver, encode_submit
from .urc import fields

log = logging.getLogger(__name__)

SMS_TIMEOUT_S = 60.0


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
    """The PDU stored at ``index``, or None when the slot is empty."""
    result = chan.command(f"AT+CMGR={index}", expect=("+CMGR:",), bare=True)
    pdus = [ln for ln in result.lines if not ln.startswith("+CMGR:")]
    return pdus[0] if result.ok and pdus else None


def list_stored(chan: AtChannel) -> list[tuple[int, str]]:
    """Every stored message as (index, PDU): the start-up sweep for what came while we were off."""
    result = chan.command("AT+CMGL=4", expect=("+CMGL:",), bare=True, timeout=20)
    found, index = [], None
    for line in result.lines:
        if line.startswith("+CMGL:"):
            index = int(fields(line[6:])[0])
        elif index is not None:
            found.append((index, line.strip()))
            index = None
    return found


def delete(chan: AtChannel, index: int) -> None:
    chan.command(f"AT+CMGD={index}")


class Inbox:
    """Turns PDUs into whole messages for ``deliver``; parts wait for their siblings."""

    def __init__(self, deliver: Callable[[Deliver], None]) -> None:
        self._deliver = deliver
        self._parts = Reassembler()

    def add(self, pdu: str) -> None:
        try:
            message = decode_deliver(pdu)
        except PduError as exc:
            log.warning("unreadable SMS dropped: %s (%s)", exc, pdu[:60])
            return
        whole = self._parts.add(message, now=time.monotonic())
        if whole is not None:
            self._deliver(whole)

    def expire(self) -> None:
        for message in self._parts.expire(time.monotonic()):
            self._deliver(message)
