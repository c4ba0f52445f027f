"""The events the core's queue carries: what drivers post (``hardware.events``, named here too so
the core reads every event as ``ev.<Name>``) and the core's own (configuration, clock, requests).

Every event is a small frozen dataclass so it can cross threads safely.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from appliance.config.model import Config
from hardware.events import (
    CallerHungUp,
    DialResult,
    DigitDialled,
    DriverEvent,
    DtmfReceived,
    HookChanged,
    HookFlash,
    IncomingCall,
    KeyHeard,
    LineAnswered,
    LineInfo,
    LineReleased,
    LineStatus,
    NetworkTime,
    PanelSwitch,
    PlaybackEnded,
    RecordingFinished,
    SmsReceived,
    SmsSent,
    StationStatus,
    TrunkAnswered,
    TrunkEnded,
)

__all__ = ["CallerHungUp", "ConfigChanged", "DialResult", "DigitDialled", "DriverEvent",
           "DtmfReceived", "Event", "HookChanged", "HookFlash", "IncomingCall", "KeyHeard",
           "LineAnswered",
           "LineInfo", "LineReleased", "LineStatus", "NetworkTime", "PanelSwitch",
           "PlaybackEnded", "RecordingFinished", "RunOnCore",
           "SmsReceived", "SmsSent", "StationStatus", "Stop", "Tick", "TrunkAnswered",
           "TrunkEnded"]


@dataclass(frozen=True)
class ConfigChanged:
    config: Config


@dataclass(frozen=True)
class Tick:
    """The clock jumped: re-evaluate timers."""


@dataclass(frozen=True)
class RunOnCore:
    """Run ``fn(engine)`` on the core thread and put its result (or exception) in ``reply``."""

    fn: Callable[[Any], Any]
    reply: Future = field(default_factory=Future)


@dataclass(frozen=True)
class Stop:
    pass


Event = DriverEvent | ConfigChanged | Tick | RunOnCore | Stop
