"""Gateway mode: a line's caller handed to the office's SIP PBX (Asterisk, FreePBX...).

Each line that may be handed over has its own account on the box's baresip (``gw-<line>``),
so its leg to the PBX has its own audio pipes, which the core bridges to the line's. The
driver dials the URI the configuration names and reports what the PBX did; the core decides
when to hand a caller over and what happens when the PBX refuses.
"""

from __future__ import annotations

import logging
import threading

from hardware import events as ev
from hardware.interfaces import Post
from hardware.sip.baresip import Accounts
from hardware.sip.control import Event

log = logging.getLogger(__name__)


def trunk_user(line_id: str) -> str:
    """The baresip account (and audio pipes) of ``line_id``'s leg to the PBX."""
    return f"gw-{line_id}"


class SipTrunk:
    def __init__(self, hub: Accounts, line_id: str) -> None:
        self.hub, self.line = hub, line_id
        self.aor = hub.config.aor(trunk_user(line_id))
        self._post: Post = lambda event: None
        self._dialling = False              # a leg exists until its CALL_CLOSED
        self._lock = threading.Lock()

    def start(self, post: Post) -> None:
        self._post = post

    def dial(self, uri: str) -> None:
        with self._lock:
            self._dialling = True
        if self.hub.failure is not None:
            self._ended(self.hub.failure)
            return
        self.hub.command(self.aor, "dial", uri)

    def hang_up(self) -> None:
        with self._lock:
            dialling = self._dialling
        if dialling:
            self.hub.command(self.aor, "hangup")

    def close(self) -> None:
        self.hub.forget(self.aor)

    def handle(self, event: Event) -> None:
        if event.direction == "incoming":   # the PBX calling out through the SIM: rule 4
            if event.type == "CALL_INCOMING":
                log.info("line %s: the PBX tried to call out; refused", self.line)
                self.hub.command(self.aor, "hangup")
        elif event.type == "CALL_ESTABLISHED":
            self._post(ev.TrunkAnswered(self.line))
        elif event.type == "CALL_CLOSED":
            self._ended(event.param)

    def lost(self) -> None:
        """baresip came back without the leg."""
        self._ended("baresip restarted")

    def _ended(self, reason: str) -> None:
        with self._lock:
            was, self._dialling = self._dialling, False
        if was:
            self._post(ev.TrunkEnded(self.line, reason))
