"""The owner's own audio on the page: upload, hear it as callers will, rename, delete.

The upload form works without JavaScript (it posts here and the page comes back with the
checks' reason beside the file field); ``static/upload.js`` adds a progress bar by sending
the same form here asking for JSON. The preview plays the converted file: 8 kHz narrowband,
exactly what a caller hears. Deleting audio that a team, menu or line plays is refused,
naming them; a recording that mentions hours which have since changed is flagged until the
owner says it still fits.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from appliance.errors import ValidationError

from .helpers import LIBRARY_KEY, accept_upload_body, appliance, audio_library, audio_users
from .helpers import upload_too_large as too_large
from .i18n import translated_fields

bp = Blueprint("sounds", __name__, url_prefix="/audio")


@bp.before_request
def allow_upload_body() -> None:
    if request.endpoint == "sounds.upload" and LIBRARY_KEY in current_app.extensions:
        accept_upload_body()


@bp.get("/")
def index() -> ResponseReturnValue:
    return _page({}, {})


@bp.post("/upload")
def upload() -> ResponseReturnValue:
    """The form's target. ``upload.js`` sends the same form asking for JSON, to show a
    progress bar; it gets the same checks and the reasons in the page's language."""
    library = audio_library()
    try:
        sent, form = request.files.get("file"), request.form
    except RequestEntityTooLarge:
        return _refused(translated_fields(too_large(library).fields), {}, 413)
    typed = {"name": form.get("name", ""), "schedule": form.get("schedule", "")}
    if sent is None or not sent.filename:
        return _refused({"file": _("Choose an audio file (WAV, MP3, OGG or FLAC).")}, typed)
    try:
        item = library.add(typed["name"], sent.filename, sent.stream,
                           linked_schedule=typed["schedule"] or None)
    except ValidationError as exc:
        return _refused(translated_fields(exc.fields), typed)
    flash(_("“%(name)s” is ready: listen to it below, then choose it where it should play.",
            name=item.name), "ok")
    if _wants_json():
        return jsonify({"id": item.id}), 201
    return redirect(url_for(".index"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(errors: dict[str, str], typed: dict[str, Any],
             status: int = 400) -> ResponseReturnValue:
    if _wants_json():
        return jsonify({"error": _("The file was not accepted."), "fields": errors}), status
    return _page(errors, typed), status


@bp.post("/<audio_id>/rename")
def rename(audio_id: str) -> ResponseReturnValue:
    try:
        audio_library().rename(audio_id, request.form.get("name", ""))
    except ValidationError as exc:
        flash(exc.fields.get("name", exc.message), "error")
    return redirect(url_for(".index"))


@bp.post("/<audio_id>/reviewed")
def reviewed(audio_id: str) -> ResponseReturnValue:
    audio_library().clear_stale(audio_id)
    return redirect(url_for(".index"))


@bp.post("/<audio_id>/delete")
def delete(audio_id: str) -> ResponseReturnValue:
    library = audio_library()
    item = library.get(audio_id)
    users = audio_users(audio_id)
    if users:
        names = ", ".join(u["name"] for u in users)
        flash(_("“%(name)s” is still played by %(users)s; choose other audio there first.",
                name=item.name, users=names), "error")
    else:
        library.delete(audio_id)
        flash(_("Deleted."), "ok")
    return redirect(url_for(".index"))


def _page(errors: dict[str, str], typed: dict[str, Any]) -> str:
    library = current_app.extensions.get(LIBRARY_KEY)
    items = [] if library is None else library.list()
    return render_template(
        "sounds/index.html", available=library is not None, items=items, errors=errors,
        typed=typed, users={i.id: audio_users(i.id) for i in items},
        schedules=appliance().list("schedules"),
        max_mb=None if library is None else library.max_bytes // (1024 * 1024))



