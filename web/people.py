"""Agents and their desk handsets on the page: who sits where, and a form for each.

An agent answers on one handset; a handset rings for at most one agent. The list warns
about an agent without a handset (never offered a call) and a handset nobody sits at (it
never rings), which are easy to leave behind after moving people around.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from appliance.config.model import Presence

from . import forms
from .helpers import appliance

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/")
def index() -> ResponseReturnValue:
    api = appliance()
    config = api.config()
    agents, stations = api.list("agents"), api.list("stations")
    teams_of = {a["id"]: [t.name for t in config.teams_of(a["id"])] for a in agents}
    seated = {a["station"]: a for a in agents if a["station"]}
    return render_template("people/index.html", agents=agents, stations=stations,
                           teams_of=teams_of, seated=seated,
                           station_names={s["id"]: s["name"] for s in stations})


# -- agents ----------------------------------------------------------------------------------------

def agent_doc(form: Any) -> dict[str, Any]:
    return {"name": form.get("name", "").strip(), "station": form.get("station") or None,
            "presence": form.get("presence", Presence.AVAILABLE.value)}


@bp.get("/agents/new")
def new_agent() -> ResponseReturnValue:
    return _agent_form({"name": "", "station": None, "presence": "available"}, {}, None)


@bp.post("/agents/new")
def create_agent() -> ResponseReturnValue:
    return forms.save("agents", None, agent_doc(request.form), _agent_form_for(None), ".index")


@bp.get("/agents/<rid>")
def edit_agent(rid: str) -> ResponseReturnValue:
    return _agent_form(appliance().get("agents", rid), {}, rid)


@bp.post("/agents/<rid>")
def save_agent(rid: str) -> ResponseReturnValue:
    return forms.save("agents", rid, agent_doc(request.form), _agent_form_for(rid), ".index")


@bp.post("/agents/<rid>/delete")
def delete_agent(rid: str) -> ResponseReturnValue:
    return forms.delete("agents", rid, ".edit_agent", ".index")


def _agent_form_for(rid: str | None) -> forms.Render:
    return lambda doc, errors, problem: _agent_form(doc, errors, rid, problem)


def _agent_form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
                problem: str | None = None) -> str:
    """Handsets offered: the free ones, and the agent's own."""
    agents = appliance().list("agents")
    taken = {a["station"] for a in agents if a["station"] and a["id"] != rid}
    free = [s for s in appliance().list("stations") if s["id"] not in taken]
    return render_template("people/agent.html", doc=doc, errors=errors, rid=rid,
                           problem=problem, stations=free, presences=list(Presence))


# -- handsets --------------------------------------------------------------------------------------

@bp.get("/handsets/new")
def new_handset() -> ResponseReturnValue:
    return _handset_form({"name": ""}, {}, None)


@bp.post("/handsets/new")
def create_handset() -> ResponseReturnValue:
    doc = {"name": request.form.get("name", "").strip()}
    return forms.save("stations", None, doc, _handset_form_for(None), ".index")


@bp.get("/handsets/<rid>")
def edit_handset(rid: str) -> ResponseReturnValue:
    return _handset_form(appliance().get("stations", rid), {}, rid)


@bp.post("/handsets/<rid>")
def save_handset(rid: str) -> ResponseReturnValue:
    doc = {"name": request.form.get("name", "").strip()}
    return forms.save("stations", rid, doc, _handset_form_for(rid), ".index")


@bp.post("/handsets/<rid>/delete")
def delete_handset(rid: str) -> ResponseReturnValue:
    return forms.delete("stations", rid, ".edit_handset", ".index")


def _handset_form_for(rid: str | None) -> forms.Render:
    return lambda doc, errors, problem: _handset_form(doc, errors, rid, problem)


def _handset_form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
                  problem: str | None = None) -> str:
    return render_template("people/handset.html", doc=doc, errors=errors, rid=rid,
                           problem=problem)
