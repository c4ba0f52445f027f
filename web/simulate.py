"""``POST /api/simulate``: what would happen to a caller, step by step, without placing a call.

The body is ``{"line": id, "at": ISO-8601 time, "digits": keys (optional, default none),
"config": "draft" | "live" (optional: the draft when there is one)}``. ``at`` should carry its
UTC offset (``2026-03-29T10:00:00+02:00``, or ``Z``); a time without one is read in the line's
schedule's zone (else the first schedule's, else UTC), and a wall time that happens twice on
the night clocks go back means the first of the two. The agents' presence is the live one; the
rest of the quiet office the simulation assumes is described in ``appliance.policy.simulate``.

``?translated=1`` (the page): the steps' sentences in the page's language. Like every ``/api``
route it needs the API key or the owner's session and CSRF header (``web.security.guard``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from appliance.errors import Text, ValidationError
from appliance.policy.simulate import digits_problem

from .helpers import json_body, simulation

bp = Blueprint("simulate", __name__, url_prefix="/api")

CONFIGS = (None, "draft", "live")


@bp.post("/simulate")
def simulate() -> ResponseReturnValue:
    body = json_body()
    fields: dict[str, str] = {}
    line, at = body.get("line"), _when(body.get("at"), fields)
    digits, config = body.get("digits", ""), body.get("config")
    if not isinstance(line, str) or not line.strip():
        fields["line"] = Text("Give the id of the line the call comes in on.")
    if (problem := digits_problem(digits)) is not None:
        fields["digits"] = problem
    if config not in CONFIGS:
        fields["config"] = Text('Use "draft" or "live", or leave it out for the draft when '
                                "there is one.")
    if fields or at is None:
        raise ValidationError(fields)
    return jsonify(simulation(line, at, digits, config,
                              translate=request.args.get("translated") == "1"))


def _when(value: Any, fields: dict[str, str]) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        fields["at"] = Text("Give a time such as 2026-03-02T09:30:00+01:00.")
        return None
