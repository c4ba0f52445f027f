"""Agents and their desk handsets on the page: who sits where, and a form for each.

An agent answers on one handset; a handset rings for at most one agent. The list warns
about an agent without a handset (never offered a call) and a handset nobody sits at (it
never rings), which are easy to leave behind after moving people around.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from appliance.config.model import Presence

from . import forms
from .helpers import editing

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/")
def index() -> ResponseReturnValue:
    api = editing()
    config = api.config()
    agents, stations = api.list("agents"), api.list("stations")
    teams_of = {a["id"]: [t.name for t in config.teams_of(a["id"])] for a in agents}
    seated = {a["station"]: a for a in agents if a["station"]}
    return render_template("people/index.html", agents=agents, stations=stations,
                           teams_of=teams_of, seated=seated,
                           station_names={s["id"]: s["name"] for s in stations})


# -- agents ----------------------------------------------------------------------------------------

def agent_doc(form: Any, rid: str | None = None) -> dict[str, Any]:
    return {"name": form.get("name", "").strip(), "station": form.get("station") or None,
            "presence": form.get("presence", Presence.AVAILABLE.value)}


def _agent_form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
                problem: str | None = None) -> str:
    """Handsets offered: the free ones, and the agent's own."""
    agents = editing().list("agents")
    taken = {a["station"] for a in agents if a["station"] and a["id"] != rid}
    free = [s for s in editing().list("stations") if s["id"] not in taken]
    return render_template("people/agent.html", doc=doc, errors=errors, rid=rid,
                           problem=problem, stations=free, presences=list(Presence))


# -- handsets --------------------------------------------------------------------------------------

def _handset_form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
                  problem: str | None = None) -> str:
    return render_template("people/handset.html", doc=doc, errors=errors, rid=rid,
                           problem=problem)


def handset_doc(form: Any, rid: str | None = None) -> dict[str, Any]:
    return {"name": form.get("name", "").strip()}


forms.resource_pages(bp, "agents", path="/agents", name="agent", read=agent_doc,
                     page=_agent_form, blank={"name": "", "station": None,
                                              "presence": Presence.AVAILABLE.value})
forms.resource_pages(bp, "stations", path="/handsets", name="handset", read=handset_doc,
                     page=_handset_form, blank={"name": ""})
