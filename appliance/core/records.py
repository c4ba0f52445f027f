"""The history records of calls, built from the core's state: pure functions, so what a call
leaves behind can be read (and tested) apart from how the call went."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from appliance.core.state import Call, Outcome


def busy_record(line: str, caller: str | None, now: datetime) -> dict[str, Any]:
    """A caller turned away because the line already had a call."""
    return {"id": uuid.uuid4().hex[:12], "line": line, "caller": caller,
            "started": now.isoformat(), "ended": now.isoformat(), "outcome": Outcome.BUSY.value,
            "reason": "line_busy", "team": None, "agent": None, "wait_s": 0.0, "talk_s": 0.0}


def call_record(call: Call, outcome: Outcome, reason: str, agent: str | None, *, mono: float,
                now: datetime) -> dict[str, Any]:
    """A finished call: waiting counts until an agent answered, talking from then on."""
    answered = call.answered_mono
    until = mono if answered is None else answered
    wait = 0.0 if call.waiting_since is None else until - call.waiting_since
    return {"id": call.id, "line": call.line, "caller": call.caller,
            "started": call.started.isoformat(), "ended": now.isoformat(),
            "outcome": outcome.value, "reason": reason, "team": call.team, "agent": agent,
            "wait_s": round(wait, 1),
            "talk_s": 0.0 if answered is None else round(mono - answered, 1),
            "events": call.events}
