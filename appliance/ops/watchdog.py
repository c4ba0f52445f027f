"""Telling systemd we are alive: READY=1 once serving, WATCHDOG=1 from the core loop.

The ping is sent by a timer *on the core thread*, so a wedged core (a handler stuck forever)
stops the pings and systemd restarts the service, instead of only noticing a dead process.
About ten lines of socket code; no dependency (hardware-and-os.md §5.2).
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        # Ping at half the period systemd waits, as sd_watchdog_enabled(3) recommends.
        self.watchdog_interval_s = int(usec) / 2_000_000 if usec.isdigit() else None

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, *assignments: str) -> None:
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self._address)
                sock.sendall("\n".join(assignments).encode())
        except OSError:
            log.warning("could not notify systemd at %s", self._address, exc_info=True)

    def ready(self, status: str = "Answering calls") -> None:
        self.notify("READY=1", f"STATUS={status}")

    def watchdog(self) -> None:
        self.notify("WATCHDOG=1")

    def stopping(self) -> None:
        self.notify("STOPPING=1")
