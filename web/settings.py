"""The box's own settings on the page: the owner's password, API keys, backups, the clock,
the log of configuration changes and the saved versions of the configuration.

A new password ends every other session (``set_password``), and this browser stays logged
in. An API key is shown once, when it is made; only its hash is kept, and it can be
revoked by name. A restore is checked completely before it is accepted and takes effect at
the next start, as the page says.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from appliance.errors import ApplianceError, ValidationError
from appliance.ops.archive import MAX_TOTAL

from .helpers import appliance
from .i18n import translated
from .layout import KIND_NAMES, who_name
from .security import password_hash, password_problem, set_password, start_session

bp = Blueprint("settings", __name__, url_prefix="/settings")

CHANGES_SHOWN = 50
ACTIONS = {"created": _l("Added"), "changed": _l("Changed"), "deleted": _l("Deleted"),
           "closed": _l("Closed by hand"), "opened": _l("Opened by hand"),
           "resumed": _l("Back to its hours"), "published": _l("Published"),
           "restored": _l("Restored")}

@bp.get("/")
def index() -> ResponseReturnValue:
    return _page({})


@bp.post("/password")
def change_password() -> ResponseReturnValue:
    form = request.form
    stored = password_hash() or ""
    if not check_password_hash(stored, form.get("current", "")):
        return _page({"current": _("This is not the current password.")}), 400
    problem = password_problem(form.get("password", ""), form.get("password_again", ""))
    if problem:
        return _page({"password": problem}), 400
    set_password(form["password"])
    start_session()
    flash(_("Password changed. Every other browser has been logged out."), "ok")
    return redirect(url_for(".index"))


@bp.post("/keys")
def create_key() -> ResponseReturnValue:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        key = appliance().admin.create_api_key(request.form.get("name", ""), now)
    except ValidationError as exc:
        return _page({"key_name": translated(exc.fields.get("name", exc.message))}), 400
    return _page({}, new_key=key)


@bp.post("/keys/<key_id>/revoke")
def revoke_key(key_id: str) -> ResponseReturnValue:
    appliance().admin.revoke_api_key(key_id)
    flash(_("The key was revoked: programs using it are refused from now on."), "ok")
    return redirect(url_for(".index"))


@bp.post("/restore")
def restore() -> ResponseReturnValue:
    request.max_content_length = MAX_TOTAL
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page({"file": _("Choose a backup file (.tar.gz) made by Switchboard.")}), 400
    if request.form.get("confirm") != "yes":
        return _page({"confirm": _("Tick the box to confirm: the backup replaces the whole "
                                   "configuration and history at the next start.")}), 400
    try:
        appliance().admin.stage_restore(upload.stream)
    except ApplianceError as exc:
        fields = exc.fields if isinstance(exc, ValidationError) else {}
        return _page({"file": fields.get("file", exc.message)}), 400
    flash(_("The backup was checked and will replace everything at the next start of the box."),
          "ok")
    return redirect(url_for(".index"))


def describe(change: dict[str, str]) -> dict[str, str]:
    """A change of the log in the page's language: who, and what (“Changed: team «Sales»”)."""
    what = _("%(action)s: %(kind)s “%(name)s”", action=ACTIONS.get(change["action"], ""),
             kind=KIND_NAMES.get(change["kind"], change["kind"]), name=change["name"])
    return {"at": change["at"], "who": who_name(change["who"]), "what": what}


def _page(errors: dict[str, str], new_key: str | None = None) -> str:
    api = appliance()
    admin = api.admin
    return render_template(
        "settings.html", errors=errors, new_key=new_key, keys=admin.api_keys(), now=api.now(),
        clock_source=api.status().get("clock_source", ""), versions=admin.versions()["versions"],
        storage=admin.storage(), changes=[describe(c) for c in api.changes(CHANGES_SHOWN)])
