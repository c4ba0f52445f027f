"""Backup, restore and configuration versions over the JSON API.

* ``GET /api/backup`` downloads the archive of the data directory (``appliance.ops.backup``).
* ``POST /api/restore`` (multipart field ``file``) verifies an archive completely and stages it;
  it takes effect at the next start (202, ``restart_required``), because swapping the files
  under a running core and an open history database is not safe.
* ``GET /api/storage`` says what the page must tell the owner: a configuration recovered from
  its last good copy, a restore applied at start, a restore waiting for a restart.
* ``/api/versions`` and ``/api/draft`` are the publish / restore / draft steps of design rule 9
  (``appliance.config.versions``).

The data directory is the config file's directory, so the blueprint needs nothing but the
store. Errors are ``ApplianceError``s, answered as JSON in one place (``web.errors``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, request, send_file
from flask.typing import ResponseReturnValue

from appliance.config.store import KINDS, ConfigStore
from appliance.errors import ApplianceError, ValidationError
from appliance.ops.archive import MAX_TOTAL
from appliance.ops.backup import PENDING, make_backup, stage_restore

from .api import appliance, json_body, optional_json_body

bp = Blueprint("backup", __name__, url_prefix="/api")

KIND = "<any(" + ", ".join(KINDS) + "):kind>"


def _store() -> ConfigStore:
    return appliance().store


def _data_dir() -> Path:
    return _store().path.parent


def _draft_or_live() -> ConfigStore:
    """Reading a draft that does not exist yet reads what it would start from: the live one."""
    versions = _store().versions
    return versions.draft() if versions.has_draft() else _store()


@bp.get("/backup")
def download_backup() -> ResponseReturnValue:
    """The whole archive, built into an anonymous temp file first so errors are still JSON."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after sending)
    try:
        make_backup(_data_dir(), out, store=_store())
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
    report = stage_restore(upload.stream, _data_dir(), store=_store())
    return jsonify({"restored": report.to_dict(), "restart_required": True}), 202


@bp.get("/storage")
def storage_status() -> ResponseReturnValue:
    store = _store()
    return jsonify({"schema_version": store.schema_version, "recovered": store.recovered,
                    "restored": store.restored,
                    "restore_pending": (_data_dir() / PENDING).is_dir()})


# -- versions and the draft ---------------------------------------------------------------------


def _note() -> str:
    note = optional_json_body().get("note", "")
    if not isinstance(note, str):
        raise ValidationError({"note": "Send a JSON object such as {\"note\": \"...\"}."})
    return note


@bp.get("/versions")
def list_versions() -> ResponseReturnValue:
    versions = _store().versions
    return jsonify({"versions": [v.to_dict() for v in versions.versions()],
                    "draft": versions.has_draft()})


@bp.post("/versions")
def publish_version() -> ResponseReturnValue:
    return jsonify({"id": _store().versions.publish(_note())}), 201


@bp.post("/versions/<int:version_id>/restore")
def restore_version(version_id: int) -> ResponseReturnValue:
    return jsonify(_store().versions.restore(version_id).to_dict())


@bp.get("/draft/check")
def check_draft() -> ResponseReturnValue:
    return jsonify({"problems": [p.to_dict() for p in _store().versions.draft_check()]})


@bp.post("/draft/publish")
def publish_draft() -> ResponseReturnValue:
    return jsonify({"id": _store().versions.publish_draft(_note())}), 201


@bp.delete("/draft")
def discard_draft() -> ResponseReturnValue:
    _store().versions.discard_draft()
    return "", 204


@bp.get(f"/draft/{KIND}")
def list_draft_items(kind: str) -> ResponseReturnValue:
    return jsonify(_draft_or_live().list(kind))


def _in_draft(change: Callable[[ConfigStore], Any]) -> Any:
    """Apply ``change`` to the draft; a refused change leaves no new draft behind."""
    versions = _store().versions
    had_draft = versions.has_draft()
    try:
        return change(versions.draft())
    except ApplianceError:
        if not had_draft:
            versions.discard_draft()
        raise


@bp.post(f"/draft/{KIND}")
def create_draft_item(kind: str) -> ResponseReturnValue:
    body = json_body()
    return jsonify(_in_draft(lambda draft: draft.create(kind, body))), 201


@bp.get(f"/draft/{KIND}/<rid>")
def get_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(_draft_or_live().get(kind, rid))


@bp.put(f"/draft/{KIND}/<rid>")
def update_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    body = json_body()
    return jsonify(_in_draft(lambda draft: draft.update(kind, rid, body)))


@bp.delete(f"/draft/{KIND}/<rid>")
def delete_draft_item(kind: str, rid: str) -> ResponseReturnValue:
    _in_draft(lambda draft: draft.delete(kind, rid))
    return "", 204
