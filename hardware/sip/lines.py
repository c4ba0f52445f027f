"""Analog lines behind an ATA (its FXO port forwards each PSTN call as a SIP INVITE) as line
drivers on the shared baresip.

``SipHub`` owns the baresip process and hands each event to the driver whose account it
names; ``SipLine`` turns a call's events into the core's typed events and the core's commands
into baresip commands (``uafind`` picks the line's account first: baresip 1.0.0's commands act
on the current account's call). Drivers only post events; the core decides everything.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import unquote

from hardware import events as ev
from hardware.interfaces import Capability, Post
from hardware.sip.baresip import Baresip, BaresipConfig
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

    def __init__(self, hub: SipHub, line_id: str, ata_host: str) -> None:
        self.hub, self.line, self.ata_host = hub, line_id, ata_host
        self.aor = hub.config.aor(line_id)
        self._post: Post = lambda event: None
        self._call: str | None = None       # baresip's id of the call the core has
        self._ending = False                # we hung up: CALL_CLOSED means released
        self._lock = threading.Lock()

    def start(self, post: Post) -> None:
        self._post = post
        post(ev.LineStatus(self.line, online=True))

    def answer(self) -> None:
        self._select().add_done_callback(lambda _: self.hub.baresip.command("accept"))

    def hangup(self) -> None:
        with self._lock:
            self._ending = self._call is not None
        if self._ending:
            self._select().add_done_callback(lambda _: self.hub.baresip.command("hangup"))
        else:
            self._post(ev.LineReleased(self.line))

    def reject_waiting(self) -> None:
        """Not reachable yet: a second INVITE is refused before it reaches the core."""

    def close(self) -> None:
        self.hub.lines.pop(self.aor, None)

    def _select(self):
        return self.hub.baresip.command("uafind", self.aor)

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
            self._select().add_done_callback(lambda _: self.hub.baresip.command("hangup"))
            return
        with self._lock:
            if self._call is not None:
                log.info("line %s: a second caller while busy, refused", self.line)
                return
            self._call, self._ending = event.call, False
        self._post(ev.IncomingCall(self.line, caller_of(event.peer)))

    def _established(self, event: Event) -> None:
        if event.call == self._call:
            self._post(ev.LineAnswered(self.line))

    def _dtmf(self, event: Event) -> None:
        if event.call == self._call and event.param:
            self._post(ev.DtmfReceived(self.line, event.param))

    def _closed(self, event: Event) -> None:
        with self._lock:
            if event.call != self._call:
                return
            ending, self._call = self._ending, None
        self._post(ev.LineReleased(self.line) if ending else ev.CallerHungUp(self.line))

    def lost(self) -> None:
        """baresip died and came back: the call it held is gone; the caller hung up for us."""
        with self._lock:
            call, ending, self._call = self._call, self._ending, None
        if call is not None:
            self._post(ev.LineReleased(self.line) if ending else ev.CallerHungUp(self.line))
        self._post(ev.LineStatus(self.line, online=True))


class SipHub:
    """The one baresip the box runs, and the SIP drivers on it."""

    def __init__(self, config: BaresipConfig, directory: Path, **baresip: object) -> None:
        self.config = config
        self.lines: dict[str, SipLine] = {}
        self.baresip = Baresip(config, directory, on_event=self._event,
                               on_restart=self._restarted, **baresip)  # type: ignore[arg-type]

    def start(self) -> None:
        self.baresip.start()

    def line(self, line_id: str, ata_host: str) -> SipLine:
        driver = SipLine(self, line_id, ata_host)
        self.lines[driver.aor] = driver
        return driver

    def close(self) -> None:
        self.baresip.close()

    def _event(self, event: Event) -> None:
        driver = self.lines.get(event.account)
        if driver is not None:
            driver.handle(event)

    def _restarted(self) -> None:
        for driver in list(self.lines.values()):
            driver.lost()
