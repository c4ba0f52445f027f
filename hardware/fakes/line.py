"""A simulated GSM line with the same driver interface as the modem driver.

The simulation side (``incoming``, ``press``, ``caller_hangs_up``, ``fail``) plays the caller
and the network; the driver side (``answer``, ``hangup``, ``reject_waiting``) is what the core
calls. ``commands`` records the driver calls in order so tests can assert what the core did.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from enum import StrEnum

from hardware.events import (
    CallerHungUp,
    DialResult,
    DtmfReceived,
    IncomingCall,
    LineAnswered,
    LineReleased,
    LineStatus,
    SmsReceived,
    SmsSent,
)
from hardware.fakes import remember
from hardware.interfaces import Capability, Post

DTMF_KEYS = frozenset("0123456789*#ABCD")


class FakeLineState(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"
    IN_CALL = "in_call"
    DOWN = "down"


class FakeLine:
    """``dials``: it also places calls and sends texts like a SIM line (``dial`` then
    ``far_end``; ``send_sms`` then ``sms_sent``); without, it only takes calls."""

    def __init__(self, line_id: str, *, dials: bool = False) -> None:
        self.line_id = line_id
        self.capabilities = frozenset({Capability.DIAL, Capability.SMS}) if dials \
            else frozenset()
        self.state = FakeLineState.DOWN
        self.commands: list[str] = []
        self.dialled: str | None = None        # the number being called out to
        self.outbox: list[tuple[str, str]] = []   # texts handed to the line, not yet reported
        self.release_at_once = True     # False: a test ends the hang-up with :meth:`released`
        self._post: Post | None = None
        self._lock = threading.Lock()

    # -- driver side (called by the core) -----------------------------------------------------

    def start(self, post: Post) -> None:
        self._post = post
        self.state = FakeLineState.IDLE
        post(LineStatus(self.line_id, online=True))

    def answer(self) -> None:
        with self._lock:
            remember(self.commands, "answer")
            if self.state is not FakeLineState.RINGING:
                return
            self.state = FakeLineState.IN_CALL
        self._emit(LineAnswered(self.line_id))

    def hangup(self) -> None:
        with self._lock:
            remember(self.commands, "hangup")
            if self.state is not FakeLineState.DOWN:
                self.state = FakeLineState.IDLE
        if self.release_at_once:
            self.released()

    def released(self) -> None:
        """The device has let go of the call (a modem's AT+CHUP answered)."""
        self._emit(LineReleased(self.line_id))

    def reject_waiting(self) -> None:
        with self._lock:
            remember(self.commands, "reject_waiting")

    def dial(self, number: str) -> None:
        with self._lock:
            remember(self.commands, f"dial {number}")
            self.dialled = number
            self.state = FakeLineState.IN_CALL

    def send_sms(self, number: str, text: str) -> None:
        with self._lock:
            remember(self.commands, f"sms {number}")
            self.outbox.append((number, text))

    def close(self) -> None:
        self._post = None

    # -- simulation side (the caller and the network) -----------------------------------------

    def ring(self, caller: str | None) -> None:
        """A caller dials this line's number. A busy line still reports it (call waiting)."""
        with self._lock:
            if self.state is FakeLineState.DOWN:
                raise RuntimeError(f"line {self.line_id} is down")
            if self.state is FakeLineState.IDLE:
                self.state = FakeLineState.RINGING
        self._emit(IncomingCall(self.line_id, caller))

    def press(self, digits: str) -> None:
        bad = set(digits) - DTMF_KEYS
        if bad or not digits:
            raise ValueError(f"not DTMF keys: {''.join(sorted(bad)) or 'nothing'}")
        for digit in digits:
            self._emit(DtmfReceived(self.line_id, digit))

    def far_end(self, outcome: str) -> None:
        """The number dialled answered, was busy, did not answer (``DialResult``)."""
        with self._lock:
            number, self.dialled = self.dialled or "", None
            if outcome != "answered":
                self.state = FakeLineState.IDLE
        self._emit(DialResult(self.line_id, number, outcome))

    def sms_sent(self, ok: bool = True) -> tuple[str, str]:
        """The network took (or refused) the oldest text handed over; returns it."""
        with self._lock:
            number, text = self.outbox.pop(0)
        self._emit(SmsSent(self.line_id, number, text, ok, "" if ok else "refused"))
        return number, text

    def receive_sms(self, sender: str, text: str) -> None:
        """A text reaches the line (the fake modem does it as +CMTI and a PDU)."""
        self._emit(SmsReceived(self.line_id, sender, text, datetime.now(UTC).isoformat()))

    def caller_hangs_up(self) -> None:
        with self._lock:
            if self.state not in (FakeLineState.RINGING, FakeLineState.IN_CALL):
                return
            self.state = FakeLineState.IDLE
        self._emit(CallerHungUp(self.line_id))

    def fail(self, reason: str) -> None:
        """The device vanished (unplugged, crashed): the core must end any call cleanly."""
        with self._lock:
            self.state = FakeLineState.DOWN
        self._emit(LineStatus(self.line_id, online=False, error=True, reason=reason))

    def _emit(self, event: object) -> None:
        if self._post is not None:
            self._post(event)
