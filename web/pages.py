"""The live page: what a newcomer watches while trying the demo.

The page is a shell; ``static/live.js`` polls ``/api/status`` and ``/api/calls`` and fills it in,
so the page and outside API clients always see the same data. Simulation controls are rendered
only when the appliance runs on simulated hardware.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from .security import web_state

bp = Blueprint("pages", __name__)

POLL_MS = 1000
RECENT_CALLS = 10


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("live.html", simulated=web_state().api.simulated,
                           poll_ms=POLL_MS, recent_calls=RECENT_CALLS)
