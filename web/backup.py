"""Backup, restore and configuration versions over the JSON API.

* ``GET /api/backup`` downloads the archive of the data directory (``appliance.ops.backup``).
* ``POST /api/restore`` (multipart field ``file``) verifies an archive completely and stages it;
  it takes effect at the next start (202, ``restart_required``), because swapping the files
  under a running core and an open history database is not safe.
* ``GET /api/storage`` says what the page must tell the owner: a configuration recovered from
  its last good copy, a restore applied at start, a restore waiting for a restart.
* ``/api/versions`` and ``/api/draft`` are the publish / restore / draft steps of design rule 9
  (``appliance.config.versions``).

Every view is one call on the facade's ``Admin``. Errors are ``ApplianceError``s, answered as
JSON in one place (``web.errors``).
"""

from __future__ import annotations

import tempfile
from datetime import datetime

from flask import Blueprint, jsonify, request, send_file
from flask.typing import ResponseReturnValue

from appliance.admin import Admin
from appliance.config.resources import KINDS
from appliance.errors import ValidationError
from appliance.ops.archive import MAX_TOTAL

from .helpers import appliance, json_body, optional_json_body
from .security import who

bp = Blueprint("backup", __name__, url_prefix="/api")

KIND = "<any(" + ", ".join(KINDS) + "):kind>"


def admin() -> Admin:
    return appliance().admin


@bp.get("/backup")
def download_backup() -> ResponseReturnValue:
    """The whole archive, built into an anonymous temp file first so errors are still JSON."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after sending)
    try:
        admin().backup(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = f"switchboard-backup-{datetime.now():%Y-%m-%d-%H%M}.tar.gz"
    return send_file(out, mimetype="application/gzip", as_attachment=True, download_name=name)


@bp.post("/restore")
def upload_restore() -> ResponseReturnValue:
    request.max_content_length = MAX_TOTAL   # this route only; set before the body is read
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError({"file": "Choose a backup file (.tar.gz) made by Switchboard."})
    report = admin().stage_restore(upload.stream)
    return jsonify({"restored": report, "restart_required": True}), 202


@bp.get("/storage")
def storage_status() -> ResponseReturnValue:
    return jsonify(admin().storage())


# -- versions and the draft ---------------------------------------------------------------------


def _note() -> str:
    note = optional_json_body().get("note", "")
    if not isinstance(note, str):
        raise ValidationError({"note": "Send a JSON object such as {\"note\": \"...\"}."})
    return note


@bp.get("/versions")
def list_versions() -> ResponseReturnValue:
    return jsonify(admin().versions())


@bp.post("/versions")
def publish_version() -> ResponseReturnValue:
    return jsonify({"id": admin().publish(_note(), who())}), 201


@bp.post("/versions/<int:version_id>/restore")
def restore_version(version_id: int) -> ResponseReturnValue:
    return jsonify(admin().restore_version(version_id, who()))


@bp.get("/draft/check")
def check_draft() -> ResponseReturnValue:
    return jsonify({"problems": admin().draft_check()})


@bp.post("/draft/publish")
def publish_draft() -> ResponseReturnValue:
    return jsonify({"id": admin().publish_draft(_note(), who())}), 201


@bp.delete("/draft")
def discard_draft() -> ResponseReturnValue:
    admin().discard_draft()
    return "", 204


@bp.get(f"/draft/{KIND}")
def list_draft_items(kind: str) -> ResponseReturnValue:
    return jsonify(admin().draft_list(kind))


@bp.post(f"/draft/{KIND}")
def create_draft_item(kind: str) -> ResponseReturnValue:
    return jsonify(admin().draft_create(kind, json_body())), 201


@bp.get(f"/draft/{KIND}/<rid>")
def get_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(admin().draft_get(kind, rid))


@bp.put(f"/draft/{KIND}/<rid>")
def update_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(admin().draft_update(kind, rid, json_body()))


@bp.patch(f"/draft/{KIND}/<rid>")
def patch_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(admin().draft_patch(kind, rid, json_body()))


@bp.delete(f"/draft/{KIND}/<rid>")
def delete_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    admin().draft_delete(kind, rid)
    return "", 204
