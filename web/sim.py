"""Buttons for simulated hardware: a caller rings a line, presses keys, a handset is picked up.

Each view asks for ``api.sim`` before reading its body, so on real hardware every route answers
404 whatever is sent (``ApplianceApi.sim`` raises ``NotFound``). Inputs are checked here because
they are HTTP-shaped (text from a form); what a line or station id means is the core's business.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, send_file
from flask.typing import ResponseReturnValue

from appliance.api import Simulation
from appliance.errors import ValidationError

from .helpers import accepted, appliance, json_body

bp = Blueprint("sim", __name__, url_prefix="/api/sim")

CALLER_RE = re.compile(r"\+?[0-9]{1,20}")
DIGITS_RE = re.compile(r"[0-9*#]{1,32}")
CALLER_HINT = "Give the caller's number: digits, optionally starting with +."
DIGITS_HINT = "Give the keys pressed: 0-9, * and #."


def _sim() -> Simulation:
    return appliance().sim


def _matching(body: dict[str, Any], name: str, pattern: re.Pattern[str], hint: str) -> str:
    """The field ``name`` with spaces and dashes removed, if it then matches ``pattern``."""
    value = body.get(name)
    if isinstance(value, str):
        value = re.sub(r"[\s-]", "", value)
        if pattern.fullmatch(value):
            return value
    raise ValidationError({name: hint})


@bp.post("/lines/<rid>/incoming")
def incoming(rid: str) -> ResponseReturnValue:
    sim = _sim()
    sim.incoming(rid, _matching(json_body(), "caller", CALLER_RE, CALLER_HINT))
    return accepted()


@bp.post("/lines/<rid>/dtmf")
def dtmf(rid: str) -> ResponseReturnValue:
    sim = _sim()
    sim.dtmf(rid, _matching(json_body(), "digits", DIGITS_RE, DIGITS_HINT))
    return accepted()


@bp.post("/lines/<rid>/sms")
def sms(rid: str) -> ResponseReturnValue:
    """A text to the line from ``sender`` (a real +CMTI and PDU on a simulated modem)."""
    sim, body = _sim(), json_body()
    sim.sms(rid, _matching(body, "sender", CALLER_RE, CALLER_HINT), body.get("text"))
    return accepted()


@bp.post("/lines/<rid>/hangup")
def hangup(rid: str) -> ResponseReturnValue:
    _sim().hangup(rid)
    return accepted()


@bp.post("/stations/<rid>/offhook")
def offhook(rid: str) -> ResponseReturnValue:
    _sim().offhook(rid)
    return accepted()


@bp.post("/stations/<rid>/onhook")
def onhook(rid: str) -> ResponseReturnValue:
    _sim().onhook(rid)
    return accepted()


@bp.post("/stations/<rid>/flash")
def flash(rid: str) -> ResponseReturnValue:
    _sim().flash(rid)
    return accepted()


@bp.post("/stations/<rid>/dial")
def dial(rid: str) -> ResponseReturnValue:
    sim = _sim()
    sim.dial(rid, _matching(json_body(), "digits", DIGITS_RE, DIGITS_HINT))
    return accepted()


def parse_now(value: Any) -> datetime:
    """An ISO-8601 time with its UTC offset: a naive time is ambiguous across DST changes."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(
            {"now": "Use an ISO-8601 time such as 2026-03-02T09:30:00+01:00."}) from None
    if when.utcoffset() is None:
        raise ValidationError({"now": "Include a UTC offset, e.g. +01:00 or Z."})
    return when


@bp.post("/clock")
def clock() -> ResponseReturnValue:
    sim = _sim()
    sim.set_clock(parse_now(json_body().get("now")))
    return accepted()


@bp.get("/heard")
def heard() -> ResponseReturnValue:
    """Per finished call, a WAV of what the caller heard (the demo with real audio)."""
    return jsonify(_sim().heard())


@bp.get("/heard/<name>")
def heard_file(name: str) -> ResponseReturnValue:
    return send_file(_sim().heard_file(name), mimetype="audio/wav")
