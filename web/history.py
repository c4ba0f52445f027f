"""The call history on the page: filters, pages of any length, a call's timeline, and the
CSV of what is shown.

The filter form is a GET (an address the owner can bookmark or share); the same query
string pages through the results and feeds ``/api/calls.csv``. Each call opens on its own
page with what happened, when, and the caller's voicemail when there is one.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from .helpers import appliance, call_query, names, whole_arg

bp = Blueprint("history", __name__, url_prefix="/history")

PAGE = 50
FILTERS = ("from", "to", "line", "team", "agent", "outcome", "caller")
OUTCOMES = ("answered", "abandoned", "closed", "message", "voicemail", "busy", "failed",
            "callback_requested")


@bp.get("/")
def index() -> ResponseReturnValue:
    api = appliance()
    offset = max(0, whole_arg("offset", 0))
    chosen = {name: request.args.get(name, "") for name in FILTERS}
    calls = api.calls(PAGE + 1, offset, call_query())       # one more: is there a next page?
    kept = urlencode({k: v for k, v in chosen.items() if v})
    return render_template(
        "history/index.html", calls=calls[:PAGE], chosen=chosen, offset=offset, page=PAGE,
        more=len(calls) > PAGE, query=kept, outcomes=OUTCOMES,
        lines=api.list("lines"), teams=api.list("teams"), agents=api.list("agents"),
        names=names("lines", "teams", "agents"))


@bp.get("/<call_id>")
def call(call_id: str) -> ResponseReturnValue:
    return render_template("history/call.html", call=appliance().call(call_id),
                           names=names("lines", "agents"))
