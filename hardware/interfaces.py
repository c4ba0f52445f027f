"""What the core expects of a driver. Real drivers and the fakes implement the same protocols.

Drivers never decide anything: they turn what the device says into events passed to ``post``
and offer non-blocking commands. A command's outcome, when it matters, comes back as an event.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from hardware.audio.sources import Source

Post = Callable[[Any], None]


def line_port(line_id: str) -> str:
    """Audio port name of a line (what the caller hears / says)."""
    return f"line:{line_id}"


def station_port(station_id: str) -> str:
    """Audio port name of a desk handset."""
    return f"station:{station_id}"


def trunk_port(line_id: str) -> str:
    """Audio port name of a line's leg to the office's PBX (gateway mode)."""
    return f"trunk:{line_id}"


class Capability(StrEnum):
    """What a line's device can do beyond taking calls; the core asks before it uses one."""

    SMS = "sms"                      # send_sms(number, text), then SmsSent
    DIAL = "dial"                    # dial(number), then DialResult
    NETWORK_TIME = "network_time"    # posts NetworkTime


class LineDriver(Protocol):
    """A voice line: a GSM modem with its SIM, or an analog line behind an ATA."""

    capabilities: frozenset[Capability]

    def start(self, post: Post) -> None: ...
    def answer(self) -> None: ...          # then LineAnswered, or LineStatus on failure
    def hangup(self) -> None: ...          # ends the current call; then LineReleased, once
                                           # the device let go (no CallerHungUp follows)
    def reject_waiting(self) -> None: ...  # refuse a second caller (they hear busy)
    def close(self) -> None: ...


class StationDriver(Protocol):
    """A desk handset or phone: posts HookChanged; rings on command."""

    kind: str                              # "gpio" | "sip", shown on the page
    cadence: Any                           # how its bell rings (hardware.ringing), or None

    def start(self, post: Post) -> None: ...
    def ring(self) -> None: ...
    def stop_ring(self) -> None: ...
    def hang_up(self) -> None: ...         # the call it took ended on the caller's side
    def close(self) -> None: ...


class TrunkDriver(Protocol):
    """A line's leg to the office's SIP PBX (gateway mode): dials a URI on command, posts
    TrunkAnswered, then TrunkEnded once (also when the PBX refused or was not reached)."""

    def start(self, post: Post) -> None: ...
    def dial(self, uri: str) -> None: ...
    def hang_up(self) -> None: ...
    def close(self) -> None: ...


class AudioDriver(Protocol):
    """Plays prompts and hold audio into ports, bridges two ports, records a port."""

    def start(self, post: Post) -> None: ...
    def play(self, port: str, source: Source, *, loop: bool = False) -> int: ...  # token
    def stop(self, port: str) -> None: ...
    def bridge(self, a: str, b: str) -> None: ...
    def unbridge(self, a: str, b: str) -> None: ...
    def record(self, port: str, name: str) -> None: ...
    def listen_keys(self, port: str, on: bool) -> None: ...   # then KeyHeard per DTMF key
    def close(self) -> None: ...


class Hardware(Protocol):
    """Where the core gets drivers for the lines and stations in its configuration.

    Returns None when no device is configured for that id (the line or station is then shown
    offline with a reason).
    """

    audio: AudioDriver
    panel: Any            # hardware.panel.Panel: the front panel's lamps and switch, or None

    def line_driver(self, line_id: str) -> LineDriver | None: ...
    def station_driver(self, station_id: str) -> StationDriver | None: ...
    def trunk_driver(self, line_id: str) -> TrunkDriver | None: ...   # None: no gateway
    def wired(self) -> tuple[tuple[str, ...], tuple[str, ...]]: ...   # line ids, station ids
    def close(self) -> None: ...


# -- simulated hardware (the demo's buttons) ----------------------------------------------------

class SimulationError(Exception):
    """A simulated-hardware request that cannot be done. The appliance turns these into its
    API's errors: drivers and fakes import nothing from the layers above them."""


class NoSuchDevice(SimulationError, LookupError):
    """No simulated line or handset by that id (or it is a real device)."""


class BadInput(SimulationError, ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class OutOfService(SimulationError, RuntimeError):
    """The simulated device is there but cannot do it now (a line that is down)."""
