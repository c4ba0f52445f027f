"""The one baresip the box runs, and the SIP drivers on it (analog lines, desk phones).

The hub owns the process, hands each event to the driver whose account it names, runs a
driver's commands on that driver's account, and tells every driver when baresip came back
after dying (their calls died with it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from hardware.audio.format import AudioFormat
from hardware.interfaces import line_port, station_port, trunk_port
from hardware.sentences import said
from hardware.sip.baresip import Baresip, BaresipConfig, BaresipFailed, user_of
from hardware.sip.control import Event
from hardware.sip.lines import SipLine
from hardware.sip.pcm import Pump, SipPort
from hardware.sip.stations import SipStation
from hardware.sip.trunk import SipTrunk, trunk_user


@dataclass(frozen=True)
class SipRoles:
    """Which lines (analog), stations (SIP phones) and lines' PBX legs have an account."""

    lines: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    trunks: tuple[str, ...] = ()       # line ids (any kind) that may hand callers to a PBX

    def users(self) -> tuple[str, ...]:
        """baresip's account user parts, one per role."""
        return (*self.lines, *self.stations, *map(trunk_user, self.trunks))


class SipHub:
    """The one baresip the box runs, and the SIP drivers on it."""

    def __init__(self, config: BaresipConfig, directory: Path, *, name: str = "baresip",
                 executable: str = "baresip", roles: SipRoles | None = None) -> None:
        """``roles``: what each account is, for ``ports`` (the tests' hubs need none)."""
        self.config, self.roles = config, roles or SipRoles()
        self._drivers: dict[str, SipLine | SipStation | SipTrunk] = {}   # by account
        self._commanding = threading.Lock()
        self.pump: Pump | None = None
        self.failure: str | None = None           # why baresip is not running, for the page
        self.baresip = Baresip(config, directory, on_event=self._event,
                               on_restart=self._restarted, executable=executable, name=name)
        if config.pipes:            # made now: the audio engine takes the ports before start
            self.pump = Pump(directory, config.accounts, AudioFormat(config.rate), name=name)

    def start(self) -> None:
        """Start the audio pump and baresip (raises ``BaresipFailed`` saying why)."""
        if self.pump is not None:
            self.pump.start()
        self.baresip.start()

    def start_or_note(self) -> None:
        """Start, or keep why not in ``failure``: the drivers then show their line or phone
        out of service with that reason instead of the box refusing to start."""
        try:
            self.start()
        except (BaresipFailed, OSError) as exc:
            self.failure = said(exc)

    def ports(self) -> dict[str, SipPort]:
        """The audio engine's ports for the hub's lines, phones and PBX legs."""
        return {**{line_port(x): self.port(x) for x in self.roles.lines},
                **{station_port(x): self.port(x) for x in self.roles.stations},
                **{trunk_port(x): self.port(trunk_user(x)) for x in self.roles.trunks}}

    def port(self, user: str) -> SipPort:
        """The audio engine's port for a line's or station's calls."""
        if self.pump is None:
            raise LookupError("this baresip has no audio pipes (BaresipConfig.pipes)")
        return self.pump.port(user)

    def line(self, line_id: str, ata_host: str) -> SipLine:
        """An analog line whose calls come from the ATA at ``ata_host``."""
        driver = SipLine(self, line_id, ata_host)
        self._drivers[driver.aor] = driver
        return driver

    def station(self, station_id: str, phone: str) -> SipStation:
        """A desk phone at SIP URI ``phone``, rung from the station's own account."""
        driver = SipStation(self, station_id, phone)
        self._drivers[driver.aor] = driver
        return driver

    def trunk(self, line_id: str) -> SipTrunk:
        """``line_id``'s leg to the office's PBX (its account is ``trunk_user(line_id)``)."""
        driver = SipTrunk(self, line_id)
        self._drivers[driver.aor] = driver
        return driver

    def command(self, account: str, command: str, params: str = "") -> None:
        """``command`` on ``account``'s call: baresip 1.0.0's commands act on the current
        account, so ``uafind`` selects it first (the control socket keeps the order)."""
        with self._commanding:      # two drivers' pairs must not interleave
            self.baresip.command("uafind", account)
            self.baresip.command(command, params)

    def forget(self, account: str) -> None:
        self._drivers.pop(account, None)

    def close(self) -> None:
        self.baresip.close()
        if self.pump is not None:
            self.pump.close()

    def _event(self, event: Event) -> None:
        if event.call and self.pump is not None:
            self.pump.track(user_of(event.account), event.call,
                            ended=event.type == "CALL_CLOSED")
        driver = self._drivers.get(event.account)
        if driver is not None:
            driver.handle(event)

    def _restarted(self) -> None:
        if self.pump is not None:
            self.pump.forget_calls()
        for driver in list(self._drivers.values()):
            driver.lost()
