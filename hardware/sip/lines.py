"""Analog lines behind an ATA (its FXO port forwards each PSTN call as a SIP INVITE) as line
drivers on the shared baresip (``hardware.sip.hub``).

``SipLine`` turns a call's events into the core's typed events and the core's commands
into baresip commands on the line's account. Drivers only post events; the core decides everything.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import unquote

from hardware import events as ev
from hardware.interfaces import Capability, Post
from hardware.sip.baresip import Accounts
from hardware.sip.control import Event

log = logging.getLogger(__name__)

WITHHELD = {"anonymous", "unknown", "restricted", "private", ""}


def caller_of(peer: str) -> str | None:
    """The caller's number from the INVITE's From URI (``sip:600111222@ata``), None when the
    ATA says it was withheld."""
    user = peer.removeprefix("sips:").removeprefix("sip:").split("@", 1)[0].split(";", 1)[0]
    user = unquote(user)
    return None if user.lower() in WITHHELD else user


def host_of(peer: str) -> str:
    rest = peer.split("@", 1)[-1].split(";", 1)[0].split(">", 1)[0]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


class SipLine:
    """One analog line: the ATA at ``ata_host`` sends its calls to ``sip:<line>@box``."""

    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, hub: Accounts, line_id: str, ata_host: str) -> None:
        self.hub, self.line, self.ata_host = hub, line_id, ata_host
        self.aor = hub.config.aor(line_id)
        self._post: Post = lambda event: None
        self._call: str | None = None       # baresip's id of the call the core has
        self._ending = False                # we hung up: CALL_CLOSED means released
        self._waiting: set[str] = set()     # second callers presented while busy
        self._rejects = 0                   # of them, those the core refused
        self._lock = threading.Lock()

    def start(self, post: Post) -> None:
        """Online (or why not), and what the owner copies into the ATA (the line's page)."""
        self._post = post
        failure = self.hub.failure
        config = self.hub.config
        post(ev.LineInfo(self.line, {"sip_server": config.listen_host,
                                     "sip_port": config.sip_port, "sip_user": self.line,
                                     "ata": self.ata_host}))
        post(ev.LineStatus(self.line, online=failure is None, error=failure is not None,
                           reason=failure or ""))

    def answer(self) -> None:
        self.hub.command(self.aor, "accept")

    def hangup(self) -> None:
        with self._lock:
            self._ending = self._call is not None
        if self._ending:
            self.hub.command(self.aor, "hangup")
        else:
            self._post(ev.LineReleased(self.line))

    def reject_waiting(self) -> None:
        """Refuse the second caller: baresip 1.0.0's ``hangup`` ends the account's newest
        call, which is the one still ringing (it answers 486 Busy Here)."""
        with self._lock:
            if not self._waiting:
                return
            self._rejects += 1
        self.hub.command(self.aor, "hangup")

    def close(self) -> None:
        self.hub.forget(self.aor)

    # -- baresip's events, on its control thread ----------------------------------------------

    def handle(self, event: Event) -> None:
        handler = {"CALL_INCOMING": self._incoming, "CALL_ESTABLISHED": self._established,
                   "CALL_DTMF_START": self._dtmf, "CALL_CLOSED": self._closed}.get(event.type)
        if handler is not None:
            handler(event)

    def _incoming(self, event: Event) -> None:
        if host_of(event.peer) != self.ata_host:
            log.warning("line %s: refused a call from %s, not its ATA %s", self.line,
                        event.peer, self.ata_host)
            self.hub.command(self.aor, "hangup")
            return
        with self._lock:
            if self._call is None:
                self._call, self._ending = event.call, False
            else:
                self._waiting.add(event.call)       # the core refuses it: reject_waiting
        self._post(ev.IncomingCall(self.line, caller_of(event.peer)))

    def _established(self, event: Event) -> None:
        if event.call == self._call:
            self._post(ev.LineAnswered(self.line))

    def _dtmf(self, event: Event) -> None:
        if event.call == self._call and event.param:
            self._post(ev.DtmfReceived(self.line, event.param))

    def _closed(self, event: Event) -> None:
        if event.call == self._call:
            self._end()
        elif event.call in self._waiting:
            self._waiting_closed(event.call)

    def _waiting_closed(self, call: str) -> None:
        """A second caller gone. If the core did not refuse it, our own ``hangup`` for the
        first call may have ended it instead (1.0.0 ends the newest call): send it again."""
        with self._lock:
            self._waiting.discard(call)
            refused = self._rejects > 0
            self._rejects = max(0, self._rejects - 1)
            again = not refused and self._ending and self._call is not None
        if again:
            self.hub.command(self.aor, "hangup")

    def lost(self) -> None:
        """baresip died and came back: the call it held is gone; the caller hung up for us."""
        with self._lock:
            self._waiting.clear()
            self._rejects = 0
        self._end()
        self._post(ev.LineStatus(self.line, online=True))

    def _end(self) -> None:
        """The call is gone: released if we hung up, else the caller did."""
        with self._lock:
            call, ending, self._call = self._call, self._ending, None
        if call is not None:
            self._post(ev.LineReleased(self.line) if ending else ev.CallerHungUp(self.line))
