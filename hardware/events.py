"""Typed events that drivers post to the core's queue: what a device said, never a decision.

They live beside the driver interfaces (``hardware.interfaces``) so that drivers import nothing
from the appliance above them. Every event is a small frozen dataclass, safe across threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IncomingCall:
    line: str
    caller: str | None  # None: number withheld


@dataclass(frozen=True)
class LineAnswered:
    """The driver's answer command succeeded: the caller is connected to the line."""

    line: str


@dataclass(frozen=True)
class CallerHungUp:
    line: str


@dataclass(frozen=True)
class DtmfReceived:
    line: str
    digit: str


@dataclass(frozen=True)
class LineStatus:
    """A line's device came up, went away or failed; ``reason`` says what a person should do."""

    line: str
    online: bool
    error: bool = False
    reason: str = ""


@dataclass(frozen=True)
class LineInfo:
    """What a line's device reports about itself (model, SIM, operator, signal...)."""

    line: str
    info: dict[str, Any]


@dataclass(frozen=True)
class NetworkTime:
    """The mobile network's time (NITZ, read with AT+CCLK), for boxes without NTP.

    ``when`` is aware when the network gave its zone; naive (the local wall time) when it did
    not, and the core reads it in the line's own time zone.
    """

    line: str
    when: datetime


@dataclass(frozen=True)
class LineReleased:
    """The device has let go of the call the core hung up: the line can take a new caller."""

    line: str


@dataclass(frozen=True)
class DialResult:
    """How an outgoing call ended up: answered | busy | no_answer | no_network | failed."""

    line: str
    number: str
    outcome: str


@dataclass(frozen=True)
class SmsReceived:
    line: str
    sender: str
    text: str
    sent_at: str          # ISO-8601, from the network's timestamp


@dataclass(frozen=True)
class SmsSent:
    line: str
    number: str
    text: str
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class HookChanged:
    station: str
    off_hook: bool


@dataclass(frozen=True)
class HookFlash:
    """Staff flashed the hook of a lifted handset (a short on-hook break: hold / return)."""

    station: str


@dataclass(frozen=True)
class DigitDialled:
    """A digit dialled on a handset: rotary pulses, or DTMF heard from a lifted idle one."""

    station: str
    digit: str


@dataclass(frozen=True)
class KeyHeard:
    """The audio engine heard a DTMF key in what a port captures (a lifted idle handset)."""

    port: str
    key: str


@dataclass(frozen=True)
class PanelSwitch:
    """The front panel's "closed now" switch is on (``closed``) or off."""

    closed: bool


@dataclass(frozen=True)
class TrunkAnswered:
    """The PBX a line's caller was handed to (gateway mode) answered."""

    line: str


@dataclass(frozen=True)
class TrunkEnded:
    """The PBX leg of a line's call is over: it hung up, refused or could not be reached."""

    line: str
    reason: str = ""       # the SIP status when it refused, e.g. "486 Busy Here"


@dataclass(frozen=True)
class StationStatus:
    station: str
    online: bool
    reason: str = ""


@dataclass(frozen=True)
class PlaybackEnded:
    """A non-looping prompt finished (or was stopped) on an audio port."""

    port: str
    token: int


@dataclass(frozen=True)
class RecordingFinished:
    """A recording ended (silence, maximum length or stopped); its WAV file is complete."""

    port: str
    name: str
    seconds: float
    reason: str


DriverEvent = (IncomingCall | LineAnswered | CallerHungUp | DtmfReceived | LineStatus | LineInfo
               | NetworkTime | LineReleased | DialResult | SmsReceived | SmsSent | HookChanged
               | StationStatus | PlaybackEnded | RecordingFinished | TrunkAnswered | TrunkEnded
               | HookFlash | DigitDialled | PanelSwitch | KeyHeard)
