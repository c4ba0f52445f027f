"""The first-run guide: from an empty box to a working office in one page.

After the owner's password, the guide asks what a new owner knows by heart: the office's
name, where it is (time zone and public holidays), when it opens, and who answers at which
handset. Saving creates or updates the office hours ("office-hours"), an agent per handset
named, a team "everyone" that rings them all, and every wired line that has no settings yet
(pointed at that team, with those hours). It can be skipped, and it stays in the menu, so
the owner can come back; what was set by hand elsewhere is only touched where the guide
says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from appliance.config.model import WEEKDAYS
from appliance.errors import NotFound, ValidationError

from .helpers import OFFICE_NAME, appliance
from .i18n import translated_fields
from .security import who

bp = Blueprint("welcome", __name__, url_prefix="/welcome")

SCHEDULE, TEAM = "office-hours", "everyone"
WORKDAYS = WEEKDAYS[:5]


def _get(kind: str, rid: str) -> dict[str, Any] | None:
    try:
        return appliance().get(kind, rid)
    except NotFound:
        return None


def _handsets() -> list[dict[str, Any]]:
    """Configured handsets, then wired ones not configured yet, each with who answers there."""
    api = appliance()
    stations = {s["id"]: s for s in api.list("stations")}
    for sid in api.wired()[1]:
        stations.setdefault(sid, {"id": sid, "name": ""})
    agents = {a["station"]: a for a in api.list("agents") if a["station"]}
    return [{**s, "agent": agents.get(s["id"], {}).get("name", "")} for s in stations.values()]


@bp.get("/")
def guide() -> ResponseReturnValue:
    hours = _get("schedules", SCHEDULE) or {}
    weekly = hours.get("weekly", {})
    first = (weekly.get("mon") or [["09:00", "18:00"]])[0]
    saturday = (weekly.get("sat") or [["", ""]])[0]
    holidays = hours.get("holidays") or {"country": "ES", "subdivision": None}
    answers = {"office": appliance().admin.setting(OFFICE_NAME) or "",
               "timezone": hours.get("timezone", "Europe/Madrid"),
               "country": holidays["country"], "region": holidays.get("subdivision") or "",
               "opens": first[0], "closes": first[1],
               "sat_opens": saturday[0], "sat_closes": saturday[1]}
    return _page(answers, {})


@bp.post("/")
def save() -> ResponseReturnValue:
    form = request.form
    answers = {name: form.get(name, "").strip() for name in (
        "office", "timezone", "country", "region", "opens", "closes", "sat_opens",
        "sat_closes")}
    handsets = _handsets()
    for i, handset in enumerate(handsets):
        handset["name"] = form.get(f"handset.{i}.name", handset["name"]).strip()
        handset["agent"] = form.get(f"handset.{i}.agent", "").strip()
    try:
        _apply(answers, handsets)
    except ValidationError as exc:
        return _page(answers, translated_fields(exc.fields), handsets, exc.message), 400
    flash(_("Your office is set up. Calls on every line now ring the people you named, "
            "during the hours you gave."), "ok")
    return redirect(url_for("pages.index"))


def _apply(answers: dict[str, str], handsets: list[dict[str, Any]]) -> None:
    """Hours first (the most likely to be refused), then people, the team and the lines."""
    api = appliance()
    hours = _save("schedules", SCHEDULE, _schedule(answers))
    members = []
    for handset in handsets:
        station = _save("stations", handset["id"], {
            "name": handset["name"] or handset["id"]}, merge=True)
        if handset["agent"]:
            members.append(_seat(handset["agent"], station["id"]))
    _save("teams", TEAM, {"name": _("Everyone"), "strategy": "ring_all", "members": members},
          merge=True)
    configured = {line["id"] for line in api.list("lines")}
    for n, line_id in enumerate(api.wired()[0], start=1):
        if line_id not in configured:
            api.create("lines", {"id": line_id, "name": _("Line %(n)d", n=n),
                                 "entry": {"team": TEAM}, "schedule": hours["id"]}, who=who())
    api.admin.set_setting(OFFICE_NAME, answers["office"])


def _schedule(answers: dict[str, str]) -> dict[str, Any]:
    day = [[answers["opens"], answers["closes"]]]
    saturday = [[answers["sat_opens"], answers["sat_closes"]]] \
        if answers["sat_opens"] or answers["sat_closes"] else []
    current = _get("schedules", SCHEDULE) or {}
    return current | {
        "name": current.get("name") or _("Office hours"), "timezone": answers["timezone"],
        "weekly": {d: day if d in WORKDAYS else saturday if d == "sat" else []
                   for d in WEEKDAYS},
        "holidays": {"country": answers["country"].upper(),
                     "subdivision": answers["region"].upper() or None}
        if answers["country"] else None}


def _save(kind: str, rid: str, doc: dict[str, Any], *, merge: bool = False) -> dict[str, Any]:
    """Create or replace (``merge``: keep the fields the guide does not ask about)."""
    api = appliance()
    current = _get(kind, rid)
    if current is None:
        return api.create(kind, {"id": rid, **doc}, who=who())
    if merge:
        return api.patch(kind, rid, doc, who=who())
    return api.update(kind, rid, doc, who=who())


def _seat(name: str, station_id: str) -> str:
    """The agent answering at this handset, renamed, or a new one."""
    api = appliance()
    seated = next((a for a in api.list("agents") if a["station"] == station_id), None)
    if seated is not None:
        return api.patch("agents", seated["id"], {"name": name}, who=who())["id"]
    return api.create("agents", {"name": name, "station": station_id}, who=who())["id"]


def _page(answers: dict[str, str], errors: dict[str, str],
          handsets: list[dict[str, Any]] | None = None, problem: str | None = None) -> str:
    return render_template("welcome.html", answers=answers, errors=_errors(errors),
                           handsets=handsets if handsets is not None else _handsets(),
                           problem=problem)


def _errors(fields: dict[str, str]) -> dict[str, str]:
    """The resources' field names, as the guide's own fields."""
    names = {"holidays.country": "country", "holidays.subdivision": "region",
             "weekly.mon.0": "opens", "weekly.sat.0": "sat_opens"}
    return {names.get(key, key): message for key, message in fields.items()}
