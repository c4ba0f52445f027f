"""The owner's audio under /api/audio: upload, list with what uses each file, preview, delete.

Authentication is the app-wide guard's (``web.security``: API key or session plus CSRF); errors
are ``ApplianceError``s turned into JSON in ``web.errors``. The library is handed to
``create_app(audio_library=...)`` and kept on ``app.extensions``; without one (simulated hardware)
every route answers 404 "audio library not configured".

Uploads are the only large bodies the app accepts. The app-wide ``MAX_CONTENT_LENGTH`` stays at
1 MiB for the JSON routes; the upload route alone raises its own request's limit (Flask >= 3.1
``request.max_content_length``) to the library's maximum plus room for the multipart framing,
and refuses a bigger declared ``Content-Length`` before reading any of it. The conversion runs
here, on the request's waitress thread, never on the core thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, jsonify, request, send_file, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from appliance.errors import Conflict, ValidationError

from .helpers import (
    LIBRARY_KEY,
    accept_upload_body,
    audio_library,
    audio_users,
    upload_too_large,
)
from .security import web_state

if TYPE_CHECKING:  # the web never imports hardware/, which the library's format comes from
    from appliance.media.audio_library import AudioLibrary

bp = Blueprint("audio", __name__, url_prefix="/api/audio")

def install(app: Flask, library: AudioLibrary | None) -> None:
    """Keep ``library`` on the app and let it flag uploads when schedule hours change."""
    if library is None:
        return
    app.extensions[LIBRARY_KEY] = library
    web_state(app).api.watch_schedules(library)


def document(item: Any) -> dict[str, Any]:
    return {**item.to_dict(), "used_by": audio_users(item.id),
            "download": url_for("audio.download", audio_id=item.id)}


@bp.before_request
def allow_upload_body() -> None:
    """Let the upload route (only) receive up to the library's limit; refuse more early."""
    if request.endpoint == "audio.upload":
        accept_upload_body()


@bp.get("")
def list_audio() -> ResponseReturnValue:
    return jsonify([document(item) for item in audio_library().list()])


@bp.post("")
def upload() -> ResponseReturnValue:
    """multipart/form-data: ``file`` (required), ``name``, ``schedule`` (hours it mentions)."""
    library = audio_library()
    try:
        sent = request.files.get("file")
        form = request.form
    except RequestEntityTooLarge:
        raise upload_too_large(library) from None
    if sent is None or not sent.filename:
        raise ValidationError({"file": "Required: choose an audio file (WAV, MP3, OGG or FLAC)."})
    schedule = form.get("schedule") or None
    if schedule is not None and schedule not in web_state().api.config().schedules:
        raise ValidationError({"schedule": f"No schedule with id '{schedule}'."})
    item = library.add(form.get("name", ""), sent.filename, sent.stream,
                       linked_schedule=schedule)
    location = url_for(".get_audio", audio_id=item.id)
    return jsonify(document(item)), 201, {"Location": location}


@bp.get("/<audio_id>")
def get_audio(audio_id: str) -> ResponseReturnValue:
    return jsonify(document(audio_library().get(audio_id)))


@bp.get("/<audio_id>/download")
def download(audio_id: str) -> ResponseReturnValue:
    """The converted WAV: exactly what callers hear (an <audio> element can play it)."""
    path = audio_library().wav_path(audio_id)
    return send_file(path, mimetype="audio/wav", download_name=f"{audio_id}.wav")


@bp.delete("/<audio_id>")
def delete_audio(audio_id: str) -> ResponseReturnValue:
    """Refused while configured somewhere: a deleted file would leave callers in silence."""
    library = audio_library()
    library.get(audio_id)
    users = audio_users(audio_id)
    if users:
        names = ", ".join(f"{u['kind']} '{u['name']}' ({u['as']}"
                          f"{', in the draft' if u['draft'] else ''})" for u in users)
        raise Conflict(f"Still used by {names}; choose other audio there first.")
    library.delete(audio_id)
    return "", 204


@bp.post("/<audio_id>/reviewed")
def reviewed(audio_id: str) -> ResponseReturnValue:
    """The owner checked a recording flagged stale after an hours change: it still fits."""
    library = audio_library()
    library.clear_stale(audio_id)
    return jsonify(document(library.get(audio_id)))
