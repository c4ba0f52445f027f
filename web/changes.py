"""Try before publishing: the draft's differences and checks, the simulator, publish, restore.

Saving on the configuration pages changes the live configuration at once, unless the owner
opened a draft here: then every page edits the draft (``helpers.editing``), a banner says so,
and callers keep the live configuration until "Publish". The simulator runs the engine's own
routing, hours and menu steps (``policy.simulate``) on the draft or on what is live, and never
places a call. The last published versions can be put back in one click.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from appliance.config.review import Level
from appliance.errors import Text, ValidationError

from .forms import attempt
from .helpers import appliance, office_tz, simulation
from .i18n import translated, translated_fields
from .layout import KIND_NAMES
from .security import who

bp = Blueprint("changes", __name__, url_prefix="/changes")

@bp.get("/")
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/draft")
def start_draft() -> ResponseReturnValue:
    appliance().admin.start_draft()
    flash(_("Draft opened: what you save on the pages now goes to the draft, and callers keep "
            "the live configuration until you publish."), "ok")
    return redirect(url_for(".index"))


@bp.post("/draft/discard")
def discard_draft() -> ResponseReturnValue:
    appliance().admin.discard_draft()
    flash(_("Draft thrown away: nothing changed for callers."), "ok")
    return redirect(url_for(".index"))


@bp.post("/draft/publish")
def publish_draft() -> ResponseReturnValue:
    note = request.form.get("note", "")
    try:
        version = appliance().admin.publish_draft(note, who())
    except ValidationError as exc:
        return _page(publish_errors=translated_fields(exc.fields) or
                     {"note": translated(exc.message)}, note=note), 400
    flash(_("Published: callers get it now (version %(id)d).", id=version), "ok")
    return redirect(url_for(".index"))


@bp.post("/versions/<int:version_id>/restore")
def restore(version_id: int) -> ResponseReturnValue:
    attempt(lambda: appliance().admin.restore_version(version_id, who()),
            _("Version %(id)d is live again; what was live before is kept in the list.",
              id=version_id))
    return redirect(url_for(".index"))


def _page(publish_errors: dict[str, str] | None = None, note: str = "") -> str:
    api = appliance()
    admin = api.admin
    problems = [p | {"message": translated(p["message"])} for p in admin.draft_check()]
    config = admin.draft_config()
    trial, trial_errors = _simulation(config)
    return render_template(
        "changes.html", draft=admin.has_draft(), differences=admin.draft_differences(),
        errors=[p for p in problems if p["level"] == Level.ERROR],
        warnings=[p for p in problems if p["level"] == Level.WARNING],
        versions=[v | {"published": datetime.fromisoformat(v["published_at"])}
                  for v in admin.versions()["versions"]], lines=sorted(config.lines.values(),
                                                            key=lambda line: line.name),
        trial=trial, trial_errors=trial_errors, asked=request.args,
        default_at=api.now().astimezone(ZoneInfo(office_tz())).strftime("%Y-%m-%dT%H:%M"),
        publish_errors=publish_errors or {}, note=note, kinds=KIND_NAMES)


def _simulation(config: Any) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The simulator's answer for the question in the address (GET: no side effects)."""
    args = request.args
    if "line" not in args:
        return None, {}
    errors: dict[str, str] = {}
    try:
        at = datetime.fromisoformat(args.get("at", ""))
    except ValueError:
        errors["at"] = Text("Choose a date and a time.")
    if args.get("line") not in config.lines:
        errors["line"] = Text("Choose a line.")
    if errors:
        return None, translated_fields(errors)
    try:
        return simulation(args["line"], at, args.get("digits", "").strip(),
                          args.get("config") or None, translate=True), {}
    except ValidationError as exc:
        return None, translated_fields(exc.fields)
