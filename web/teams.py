"""Teams on the page: who is in each, in what order they ring, and what happens when nobody
answers in time.

The members are a list with up, down and remove buttons that work without JavaScript: each
button sends the form, which comes back re-ordered and not yet saved; "Save" stores it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appliance.config.model import Channel, Strategy

from . import forms
from .forms import listed
from .helpers import audio_choices, editing

bp = Blueprint("teams", __name__, url_prefix="/teams")

STRATEGIES = {
    Strategy.RING_ALL: _l("Ring everyone free at once; the first to pick up answers."),
    Strategy.LINEAR: _l("Ring one at a time in the order below, always from the top."),
    Strategy.ROUND_ROBIN: _l("Take turns: each call starts after whoever had the last one."),
    Strategy.LONGEST_IDLE: _l("Ring whoever has been free the longest."),
    Strategy.FEWEST_CALLS: _l("Ring whoever has answered the fewest calls today."),
}
NUMBERS = ("ring_timeout_s", "max_wait_s", "wrap_up_s", "max_queue", "autopause_after",
           "announce_every_s", "callback_tries", "callback_every_min")
CHANNELS = {Channel.VOICE: _l("Calls"), Channel.SMS: _l("Texts (SMS)")}
CALLBACK_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#")
WHOLE = re.compile(r"^-?\d{1,9}$")
NEW_TEAM = {"name": "", "strategy": "ring_all", "members": [], "ring_timeout_s": 20,
            "max_wait_s": 300, "wrap_up_s": 10, "max_queue": 10, "autopause_after": 3,
            "overflow": {"action": "message", "text": None}, "hold_audio": None,
            "announce": None, "announce_every_s": 0, "channels": ["voice"], "callback_key": "1",
            "callback_tries": 3, "callback_every_min": 10}


def team_doc(form: Any) -> dict[str, Any]:
    """The API's document; a number left as typed when it is not one, so validation says so."""
    overflow_action = form.get("overflow.action", "message")
    doc: dict[str, Any] = {
        "name": form.get("name", "").strip(), "strategy": form.get("strategy", "ring_all"),
        "members": listed(form, "members"),
        "overflow": {"action": overflow_action,
                     "team": form.get("overflow.team") or None if overflow_action == "team"
                     else None,
                     "text": form.get("overflow.text", "").strip() or None},
        "hold_audio": form.get("hold_audio") or None,
        "announce": form.get("announce", "").strip() or None,
        "channels": ticked(form, "channels"),
        "callback_key": form.get("callback_key") or None,
    }
    for name in NUMBERS:
        raw = form.get(name, "").strip()
        doc[name] = int(raw) if WHOLE.match(raw) else raw
    return doc


def ticked(form: Any, name: str) -> list[str]:
    """The values of the ticked checkboxes called ``name`` (none ticked: none sent)."""
    if hasattr(form, "getlist"):
        return [v for v in form.getlist(name) if v]
    value = form.get(name) or []
    return list(value) if isinstance(value, list | tuple) else [value]


def moved(members: list[str], command: str) -> list[str]:
    """``up:<id>``, ``down:<id>``, ``remove:<id>`` or ``add:<id>`` applied to the order."""
    verb, _, agent = command.partition(":")
    order = [m for m in members if m != agent] if verb in ("remove", "add") else list(members)
    if verb == "add" and agent:
        order.append(agent)
    elif verb in ("up", "down") and agent in order:
        i = order.index(agent)
        j = i - 1 if verb == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    return order


@bp.get("/")
def index() -> ResponseReturnValue:
    api = editing()
    names = {a["id"]: a["name"] for a in api.list("agents")}
    return render_template("teams/index.html", teams=api.list("teams"), names=names,
                           strategies=STRATEGIES, member_names=_member_names)


def _member_names(members: list[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(m, m) for m in members)


def _reorder(rid: str | None) -> ResponseReturnValue | None:
    """A member button was pressed: show the new order, save nothing yet."""
    command = request.form.get("move")
    if command is None:
        return None
    doc = team_doc(request.form)
    if command == "add":
        command = f"add:{request.form.get('add_member', '')}"
    return _form(doc | {"members": moved(doc["members"], command)}, {}, rid, unsaved=True)


def _form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
          problem: str | None = None, *, unsaved: bool = False) -> str:
    if "channels" in errors:      # the API's message names the values, not the boxes
        errors = errors | {"channels": _("Tick calls, texts or both.")}
    api = editing()
    agents = api.list("agents")
    others = [t for t in api.list("teams") if t["id"] != rid]
    return render_template(
        "teams/edit.html", doc=doc, errors=errors, rid=rid, problem=problem, unsaved=unsaved,
        strategies=STRATEGIES, names={a["id"]: a["name"] for a in agents},
        candidates=[a for a in agents if a["id"] not in doc["members"]],
        other_teams=others, audio=audio_choices(), channels=CHANNELS,
        callback_keys=CALLBACK_KEYS)


forms.resource_pages(bp, "teams", read=lambda form, rid: team_doc(form), page=_form,
                     blank=NEW_TEAM, first=_reorder)
