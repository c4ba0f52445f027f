"""What can be tuned per modem line, and the driver's fixed tables.

Real modems take seconds (RING every 3-5 s, SMS up to a minute); the tests shrink these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .dialects import Dialect

BACKOFF_S = (0.5, 1, 2, 5, 10, 30)
DIAL_END_GRACE_S = 0.5
LEFTOVER_STATES = (0, 1, 2, 3)    # +CLCC active, held, dialing, alerting


@dataclass(frozen=True)
class ModemSettings:
    url: str
    dialect: Dialect | None = None        # None: detect from the model
    pin: str | None = None
    health_s: float = 30.0
    command_timeout_s: float = 5.0
    clcc_poll_s: float = 2.0              # backstop for modems that miss the call-end URC
    clip_wait_s: float = 0.3              # after RING, how long to wait for +CLIP
    ring_gap_s: float = 10.0              # no RING for this long: the caller gave up
    answer_timeout_s: float = 10.0
    dial_timeout_s: float = 90.0
    backoff_s: tuple[float, ...] = BACKOFF_S


class CallPhase(StrEnum):
    NONE = "none"
    RINGING = "ringing"
    ACTIVE = "active"
    DIALING = "dialing"


DIAL_OUTCOMES = {"BUSY": "busy", "NO ANSWER": "no_answer", "NO CARRIER": "failed",
                 "NO DIALTONE": "no_network"}
