"""Voicemail messages: list, listen (download the WAV), mark heard, delete."""

from __future__ import annotations

from flask import Blueprint, jsonify, send_file
from flask.typing import ResponseReturnValue

from .helpers import appliance, limit_arg, optional_json_body

bp = Blueprint("voicemail", __name__, url_prefix="/api/voicemail")


@bp.get("")
def list_messages() -> ResponseReturnValue:
    return jsonify(appliance().voicemails(limit_arg()))


@bp.get("/<vid>/download")
def download(vid: str) -> ResponseReturnValue:
    return send_file(appliance().voicemail_file(vid), mimetype="audio/wav",
                     as_attachment=True, download_name=f"voicemail-{vid}.wav")


@bp.post("/<vid>/heard")
def heard(vid: str) -> ResponseReturnValue:
    return jsonify(appliance().mark_heard(vid, bool(optional_json_body().get("heard", True))))


@bp.delete("/<vid>")
def delete(vid: str) -> ResponseReturnValue:
    appliance().delete_voicemail(vid)
    return "", 204
