"""SIP desk phones (any SIP phone, or an ordinary phone on an HT802's FXS port) as stations.

Ringing a station is calling it: the box dials the phone's URI from the station's own
account, so the phone's answer is the handset lifted (``HookChanged`` off hook) and its BYE is
the handset put down. A phone that refuses or cannot be reached simply never goes off hook:
the core's ring timer counts the miss, as for a handset nobody lifts.
"""

from __future__ import annotations

import logging
import threading

from hardware import events as ev
from hardware.interfaces import Post
from hardware.sip.baresip import Accounts
from hardware.sip.control import Event

log = logging.getLogger(__name__)


class SipStation:
    kind = "sip"
    cadence = None              # the phone rings the way it is set to

    def __init__(self, hub: Accounts, station_id: str, phone: str) -> None:
        self.hub, self.station, self.phone = hub, station_id, phone
        self.aor = hub.config.aor(station_id)
        self._post: Post = lambda event: None
        self._answered: str | None = None    # baresip's id of the call the phone answered
        self._lock = threading.Lock()

    def start(self, post: Post) -> None:
        self._post = post
        failure = self.hub.failure
        post(ev.StationStatus(self.station, online=failure is None, reason=failure or ""))

    def ring(self) -> None:
        if not self._in_call():
            self._then("dial", self.phone)

    def stop_ring(self) -> None:
        """Stop calling the phone (a refused or finished call makes this a harmless no-op);
        a phone that already answered stays connected."""
        if not self._in_call():
            self._then("hangup")

    def hang_up(self) -> None:
        """The call is over on the box's side: release the phone."""
        if self._in_call():
            self._then("hangup")

    def close(self) -> None:
        self.hub.forget(self.aor)

    def _in_call(self) -> bool:
        with self._lock:
            return self._answered is not None

    def _then(self, command: str, params: str = "") -> None:
        self.hub.command(self.aor, command, params)

    # -- baresip's events, on its control thread ----------------------------------------------

    def handle(self, event: Event) -> None:
        if event.direction == "incoming":      # the phone calling out: no outbound calls
            if event.type == "CALL_INCOMING":
                log.info("station %s: the phone dialled out; refused", self.station)
                self._then("hangup")
        elif event.type == "CALL_ESTABLISHED":
            with self._lock:
                self._answered = event.call
            self._post(ev.HookChanged(self.station, off_hook=True))
        elif event.type == "CALL_CLOSED":
            with self._lock:
                put_down = event.call == self._answered
                if put_down:
                    self._answered = None
            if put_down:
                self._post(ev.HookChanged(self.station, off_hook=False))
            else:
                log.info("station %s: the phone did not answer (%s)", self.station, event.param)

    def lost(self) -> None:
        """baresip came back without the call: a phone in a call is on hook again."""
        with self._lock:
            was_answered, self._answered = self._answered, None
        if was_answered is not None:
            self._post(ev.HookChanged(self.station, off_hook=False))
        self._post(ev.StationStatus(self.station, online=True))
