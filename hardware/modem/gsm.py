"""A GSM line: the modem driver the core uses, built on the transport and the AT channel.

Two threads per modem. The transport's reader feeds bytes to the AT channel, which hands each
unsolicited line, typed, to this driver's inbox. The worker thread (``modem-<line>``) owns all
modem state: it brings the modem up, runs the core's commands (answer, hang up, refuse a
waiting caller, dial, DTMF, SMS), interprets URCs in arrival order, polls health, and reopens
the port by its stable path when the modem vanishes or reboots. It only *posts* events.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import asdict, replace
from typing import Any

import serial

from hardware import events as ev
from hardware.interfaces import Capability

from . import jobs, sms, unsolicited, urc
from .at import AtChannel, AtTimeout
from .dialects import PROFILES, Dialect, Profile
from .options import (
    DIAL_END_GRACE_S,
    DIAL_OUTCOMES,
    CallPhase,
    ModemSettings,
)
from .setup import (
    Lost,
    ModemInfo,
    ModemProblem,
    PinGuard,
    check_service,
    configure,
    down_reason,
    end_leftover_calls,
    identify,
    list_calls,
    network,
    network_time,
    read_iccid,
    unlock_sim,
    wake,
)
from .transport import SerialTransport, open_advice

log = logging.getLogger(__name__)

class GsmModem:
    capabilities = frozenset({Capability.SMS, Capability.DIAL, Capability.NETWORK_TIME})

    def __init__(self, line_id: str, settings: ModemSettings, *,
                 pin_guard: PinGuard | None = None) -> None:
        self.line_id = line_id
        self.settings = settings
        self.info = ModemInfo()
        self.profile: Profile = PROFILES[settings.dialect or Dialect.GENERIC]
        self._guard = pin_guard or PinGuard(None)
        self._post: Any = None
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._transport: SerialTransport | None = None
        self._chan: AtChannel | None = None
        self._sms = sms.LineSms(line_id, self._emit)
        self._releasing = False          # hung up for the core; LineReleased not yet posted
        self._refused: list[str | None] = []   # waiting callers the core turns away (busy)
        self._reset_call()

    # -- LineDriver (any thread) -----------------------------------------------------------------

    def start(self, post: Any) -> None:
        self._post = post
        self._thread = threading.Thread(target=self._run, name=f"modem-{self.line_id}",
                                        daemon=True)
        self._thread.start()

    def answer(self) -> None:
        self._inbox.put(jobs.Answer())

    def hangup(self) -> None:
        self._inbox.put(jobs.Hangup())

    def reject_waiting(self) -> None:
        self._inbox.put(jobs.RejectWaiting())

    def dial(self, number: str) -> None:
        self._inbox.put(jobs.Dial(number))

    def send_dtmf(self, digits: str) -> None:
        self._inbox.put(jobs.SendDtmf(digits))

    def send_sms(self, number: str, text: str) -> None:
        self._inbox.put(jobs.SendSms(number, text))

    def close(self) -> None:
        self._closing.set()
        self._inbox.put(jobs.Stop())
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._disconnect()

    # -- the worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            try:
                self._connect()
                attempt = 0
                self._serve()
            except (ModemProblem, Lost, AtTimeout, OSError) as exc:
                self._went_down(exc)
            self._disconnect()
            if self._closing.is_set():          # asked to stop: no back-off to sit through
                return
            delay = self.settings.backoff_s[min(attempt, len(self.settings.backoff_s) - 1)]
            attempt += 1
            if self._wait_or_stop(delay):
                return

    def _serve(self) -> None:
        next_health = time.monotonic() + self.settings.health_s
        while True:
            timeout = max(0.0, min(next_health, self._next_call_check()) - time.monotonic())
            try:
                job = self._inbox.get(timeout=timeout)
            except queue.Empty:
                job = jobs.Tick()
            if isinstance(job, jobs.Stop):
                return
            self._handle(job)
            now = time.monotonic()
            if now >= next_health:
                self._health()
                next_health = now + self.settings.health_s
            self._check_call(now)

    def _handle(self, job: jobs.Job) -> None:
        if isinstance(job, jobs.PortLost):
            raise Lost(f"the modem went away ({job.error})")
        handler = _JOB_HANDLERS.get(type(job))
        if handler is not None:
            handler(self, job)

    def _released(self, _: jobs.Released) -> None:
        self._releasing = False
        self._emit(ev.LineReleased(self.line_id))

    def _send_dtmf(self, job: jobs.SendDtmf) -> None:
        for digit in job.digits:
            self._cmd(f"AT+VTS={digit}")

    # -- connection ------------------------------------------------------------------------------

    def _connect(self) -> None:
        self._transport = SerialTransport(self.settings.url, name=self.line_id,
                                          on_bytes=self._bytes, on_lost=self._lost)
        self._chan = AtChannel(self._transport.write, self._urc_line,
                               timeout=self.settings.command_timeout_s)
        try:
            self._transport.open()
        except (serial.SerialException, OSError) as exc:
            raise ModemProblem(open_advice(self.settings.url, exc)) from exc
        self._transport.write(b"\x1b")            # leave an SMS prompt a crash left open
        wake(self._chan)
        self.profile, info = identify(self._chan, self.settings.dialect)
        self._chan.echo_seen = False
        sim = unlock_sim(self._chan, self.line_id, self.settings.pin, self._guard)
        info = replace(info, sim=sim, iccid=read_iccid(self._chan, self.profile))
        configure(self._chan, self.profile)
        self._set_info(network(self._chan, info))
        when = network_time(self._chan)
        if when is not None:
            self._emit(ev.NetworkTime(self.line_id, when))
        self._reset_call()
        self._sms.sweep(self._chan)
        if end_leftover_calls(self._chan, self.profile):
            log.warning("line %s: hung up a call left over from before reconnecting",
                        self.line_id)
        self._report_service()

    def _disconnect(self) -> None:
        if self._chan is not None:
            self._chan.abort()
        if self._transport is not None:
            self._transport.close()
        self._transport = self._chan = None

    def _went_down(self, exc: Exception) -> None:
        was_in_call = self.call is not CallPhase.NONE
        self._reset_call()
        self._releasing, self._refused = False, []
        if self._closing.is_set():
            return
        reason, error = down_reason(exc)
        log.warning("line %s down%s: %s (%s)", self.line_id,
                    " during a call" if was_in_call else "", reason, exc)
        self._emit(ev.LineStatus(self.line_id, online=False, error=error, reason=reason))

    def _health(self) -> None:
        self._sms.expire(self._chan)
        try:
            self._set_info(network(self._chan, self.info))
        except AtTimeout:
            wake(self._chan, attempts=2)          # raises ModemProblem: reconnect
        if self._chan.echo_seen:                  # echo is back on: it rebooted silently
            raise Lost("the modem restarted (its settings were reset)")
        self._report_service()

    def _report_service(self) -> None:
        try:
            check_service(self.info)
        except ModemProblem as problem:
            self._emit(ev.LineStatus(self.line_id, online=False, error=problem.error,
                                     reason=problem.reason))
            return
        self._emit(ev.LineStatus(self.line_id, online=True))

    def _set_info(self, info: ModemInfo) -> None:
        if info != self.info:
            self.info = info
            self._emit(ev.LineInfo(self.line_id, asdict(info)))

    # -- calls ------------------------------------------------------------------------------------

    def _reset_call(self) -> None:
        self.call = CallPhase.NONE
        self._caller: str | None = None
        self._announced = False
        self._rang_while_releasing = False
        self._last_ring = 0.0
        self._clip_deadline = 0.0
        self._last_poll = 0.0
        self._last_dtmf = ("", 0.0)
        self._dialled = ""
        self._dial_ending = 0.0

    def _urc(self, item: urc.Urc) -> None:
        handler = _URC_HANDLERS.get(type(item))
        if handler is not None:
            handler(self, item)

    def _on_ring(self, _: urc.Ring) -> None:
        now = time.monotonic()
        if self.call is CallPhase.NONE:
            self.call, self._clip_deadline = CallPhase.RINGING, now + self.settings.clip_wait_s
        if self.call is CallPhase.RINGING:
            self._last_ring = now

    def _on_caller(self, item: urc.CallerId | urc.IncomingListed) -> None:
        if self.call is CallPhase.NONE:
            self.call, self._last_ring = CallPhase.RINGING, time.monotonic()
        if self.call is CallPhase.RINGING and not self._announced:
            self._caller = item.number
            self._announce()

    def _announce(self) -> None:
        if self._caller in self._refused:
            # The caller who was waiting behind the last call, already refused and logged
            # busy by the core, now rings because that call ended first: refuse them here.
            self._refused.remove(self._caller)
            self._refuse_ringing()
            return
        self._announced = True
        self._rang_while_releasing = self._releasing     # the core will count it as busy
        self._emit(ev.IncomingCall(self.line_id, self._caller))

    def _on_waiting(self, item: urc.WaitingCall) -> None:
        if self.call is not CallPhase.NONE or self._releasing:
            self._refused.append(item.number)
            self._emit(ev.IncomingCall(self.line_id, item.number))   # the core refuses it

    def _on_end(self, item: urc.CallEnded) -> None:
        if self.call is CallPhase.DIALING:
            if item.reason in DIAL_OUTCOMES:
                self._dial_result(DIAL_OUTCOMES[item.reason])
            elif not self._dial_ending:     # BUSY / NO ANSWER usually follows the release
                self._dial_ending = time.monotonic() + DIAL_END_GRACE_S
        elif self.call is not CallPhase.NONE:
            announced = self._announced or self.call is CallPhase.ACTIVE
            if self.call is CallPhase.ACTIVE:
                self._audio(self.profile.audio_off)
            self._reset_call()
            if announced:
                self._emit(ev.CallerHungUp(self.line_id))

    def _on_connected(self, _: urc.CallConnected) -> None:
        if self.call is CallPhase.DIALING:
            self.call = CallPhase.ACTIVE
            self._emit(ev.DialResult(self.line_id, self._dialled, "answered"))
            self._audio(self.profile.audio_on)

    def _on_dtmf(self, item: urc.Dtmf) -> None:
        now = time.monotonic()
        digit, last = self._last_dtmf
        if self.call is not CallPhase.ACTIVE:
            return
        self._last_dtmf = (item.digit, now)
        if item.digit == digit and now - last < self.profile.dtmf_dedupe_s:
            return
        self._emit(ev.DtmfReceived(self.line_id, item.digit))

    def _on_boot(self, item: urc.Boot) -> None:
        raise Lost(f"the modem restarted ({item.marker})")


    def _on_registration(self, item: urc.Registration) -> None:
        self._health()

    def _answer(self) -> None:
        if self.call is not CallPhase.RINGING:
            self._emit(ev.CallerHungUp(self.line_id))     # the caller gave up first
            return
        result = self._chan.command("ATA", call_finals=True,
                                    timeout=self.settings.answer_timeout_s)
        if not result.ok:
            self._reset_call()
            self._emit(ev.CallerHungUp(self.line_id))
            return
        self.call, self._last_poll = CallPhase.ACTIVE, time.monotonic()
        self._emit(ev.LineAnswered(self.line_id))
        self._audio(self.profile.audio_on)

    def _hangup(self) -> None:
        """End the call the core hung up, then tell it the line is free.

        The core counts the line busy until ``LineReleased``. That comes through the inbox,
        after every line the modem sent while hanging up: a caller who came in meanwhile is
        reported first, as a second caller (refused, logged busy), instead of being a new call
        that our AT+CHUP cuts without a trace.
        """
        active = self.call is not CallPhase.NONE
        self._reset_call()                 # a NO CARRIER after our own hang-up is not news
        self._releasing = True
        if active:
            self._audio(self.profile.audio_off)
            self._cmd(self.profile.hangup, timeout=10)
        self._inbox.put(jobs.Released())

    def _reject_waiting(self) -> None:
        """Refuse the second caller: waiting behind our call (UDUB), or ringing because it
        came while we were hanging up."""
        if self.call is CallPhase.RINGING and self._rang_while_releasing:
            self._refuse_ringing()
            return
        self._cmd("AT+CHLD=0")
        if not self._refused:
            return
        waiting = (urc.CLCC_INCOMING, urc.CLCC_WAITING)
        if not any(c.number == self._refused[0] and c.stat in waiting
                   for c in list_calls(self._chan) or []):
            self._refused.pop(0)                          # gone: refused
        elif self.call is not CallPhase.ACTIVE and not self._announced:
            self._refused.pop(0)                          # ringing, as our call ended first
            self._refuse_ringing()
        # else it still waits behind our call; if that ends first, _announce refuses it

    def _refuse_ringing(self) -> None:
        """Hang up the caller ringing now, whom the core has already counted as busy."""
        self._reset_call()
        self._cmd(self.profile.hangup, timeout=10)

    def _dial(self, number: str) -> None:
        if self.call is not CallPhase.NONE or not all(c in "+0123456789*#" for c in number):
            self._emit(ev.DialResult(self.line_id, number, "failed"))
            return
        self.call, self._dialled, self._last_poll = CallPhase.DIALING, number, time.monotonic()
        result = self._chan.command(f"ATD{number};", call_finals=True,
                                    timeout=self.settings.dial_timeout_s)
        if not result.ok:
            outcome = "no_network" if result.error == "30" else \
                DIAL_OUTCOMES.get(result.final, "failed")
            self._dial_result(outcome)

    def _dial_result(self, outcome: str) -> None:
        number = self._dialled
        self._reset_call()
        self._emit(ev.DialResult(self.line_id, number, outcome))

    def _next_call_check(self) -> float:
        if self._dial_ending:
            return self._dial_ending
        if self.call is CallPhase.RINGING and not self._announced:
            return self._clip_deadline
        if self.call is CallPhase.RINGING:
            return self._last_ring + self.settings.ring_gap_s
        if self.call in (CallPhase.ACTIVE, CallPhase.DIALING):
            return self._last_poll + self.settings.clcc_poll_s
        return float("inf")

    def _check_call(self, now: float) -> None:
        """Timers of the call in progress: caller ID that never came, the silent abandon."""
        if now < self._next_call_check():
            return
        if self._dial_ending:
            self._dial_result("failed")
        elif self.call is CallPhase.RINGING and not self._announced:
            calls = self._list_calls()
            incoming = [c.number for c in calls if c.stat == urc.CLCC_INCOMING]
            if not calls:
                self._reset_call()
                return
            self._caller = incoming[0] if incoming else None
            self._announce()
        elif self.call is not CallPhase.NONE:
            self._last_poll = self._last_ring = now
            if not self._list_calls():
                self._on_end(urc.CallEnded("call list empty"))

    def _list_calls(self) -> list[urc.CallEntry]:
        """The modem's voice calls; when it cannot say, assume the call is still there."""
        calls = list_calls(self._chan)
        return [urc.CallEntry(0, 0, 0, 0, None)] if calls is None else calls

    # -- plumbing ----------------------------------------------------------------------------------

    def _cmd(self, command: str, **kwargs: Any) -> bool:
        result = self._chan.command(command, **kwargs)
        if not result.ok:
            log.info("line %s: %s -> %s", self.line_id, command, result.final)
        return result.ok

    def _audio(self, commands: tuple[str, ...]) -> None:
        for command in commands:
            self._cmd(command)

    def _bytes(self, data: bytes) -> None:
        chan = self._chan
        if chan is not None:
            chan.feed(data)

    def _urc_line(self, line: str) -> None:
        item = unsolicited.parse(line)
        if isinstance(item, urc.Boot) and self._chan is not None:
            self._chan.abort(f"the modem restarted ({item.marker})")   # its answer will not come
        if not isinstance(item, urc.Other):
            self._inbox.put(jobs.UrcIn(item))

    def _lost(self, exc: Exception) -> None:
        chan = self._chan
        if chan is not None:
            chan.abort(f"the modem went away ({exc})")
        self._inbox.put(jobs.PortLost(exc))

    def _emit(self, event: Any) -> None:
        if self._post is not None:
            self._post(event)

    def _wait_or_stop(self, seconds: float) -> bool:
        """Sleep between reconnection attempts unless asked to stop; True when stopping."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                job = self._inbox.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(job, jobs.Stop):
                return True
            if isinstance(job, jobs.Answer):     # the core missed that the line is down
                self._emit(ev.CallerHungUp(self.line_id))
            elif isinstance(job, jobs.Hangup):   # nothing left to hang up while it is down
                self._emit(ev.LineReleased(self.line_id))
        return self._closing.is_set()



_URC_HANDLERS = {
    urc.Ring: GsmModem._on_ring, urc.CallerId: GsmModem._on_caller,
    urc.IncomingListed: GsmModem._on_caller, urc.WaitingCall: GsmModem._on_waiting,
    urc.CallEnded: GsmModem._on_end, urc.CallConnected: GsmModem._on_connected,
    urc.Dtmf: GsmModem._on_dtmf, urc.Boot: GsmModem._on_boot,
    urc.NewSms: lambda modem, item: modem._sms.stored(modem._chan, item.index),
    urc.SmsPdu: lambda modem, item: modem._sms.direct(item.pdu),
    urc.Registration: GsmModem._on_registration,
}

_JOB_HANDLERS: dict[type, Any] = {
    jobs.UrcIn: lambda modem, job: modem._urc(job.item),
    jobs.Answer: lambda modem, job: modem._answer(),
    jobs.Hangup: lambda modem, job: modem._hangup(),
    jobs.RejectWaiting: lambda modem, job: modem._reject_waiting(),
    jobs.Dial: lambda modem, job: modem._dial(job.number),
    jobs.SendDtmf: GsmModem._send_dtmf,
    jobs.SendSms: lambda modem, job: modem._sms.send(modem._chan, job.number, job.text),
    jobs.Released: GsmModem._released,
}
