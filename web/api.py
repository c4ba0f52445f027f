"""The JSON API of the black-box contract: live status, call history and configuration CRUD.

Views only translate HTTP to ``ApplianceApi`` calls and back; validation, references and
conflicts are decided by the appliance, whose ``ApplianceError`` becomes the JSON error reply in
one place (``web.errors``). Authentication happens before any view runs (``web.security``).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from appliance.config.resources import KINDS
from appliance.records.history import COLUMNS

from .helpers import appliance, call_query, csv_lines, json_body, limit_arg, whole_arg
from .i18n import translated
from .security import who

bp = Blueprint("api", __name__, url_prefix="/api")

# Only the six collections match, so /api/sim/... and /api/nope never reach the CRUD views.
KIND = "<any(" + ", ".join(KINDS) + "):kind>"


@bp.get("/status")
def status() -> ResponseReturnValue:
    """``?translated=1`` (the live page): the warnings in the page's language."""
    found = appliance().status()
    if request.args.get("translated") == "1":
        found["warnings"] = [translated(w) for w in found["warnings"]]
    return jsonify(found)


@bp.get("/calls")
def calls() -> ResponseReturnValue:
    """Filters: ``from``, ``to`` (the office's days, both included), ``line``, ``team``,
    ``agent``, ``outcome``, ``caller`` (part of the number); pages: ``limit``, ``offset``."""
    query = call_query()
    return jsonify(appliance().calls(limit_arg(), whole_arg("offset", 0), query))


@bp.get("/calls.csv")
def calls_csv() -> ResponseReturnValue:
    """The same filters, every matching call, streamed (fine for 100,000 rows)."""
    rows = appliance().calls_export(call_query())
    name = f"calls-{appliance().now():%Y-%m-%d}.csv"
    return Response(stream_with_context(csv_lines(COLUMNS, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/sms")
def sms() -> ResponseReturnValue:
    """Text messages the lines received (and sent), newest first."""
    return jsonify(appliance().sms(limit_arg()))


@bp.get("/consents")
def consents() -> ResponseReturnValue:
    """Consent records (``?number=`` for one caller), newest first."""
    return jsonify(appliance().consents(limit_arg(), request.args.get("number") or None))


@bp.get(f"/{KIND}")
def list_items(kind: str) -> ResponseReturnValue:
    return jsonify(appliance().list(kind))


@bp.post(f"/{KIND}")
def create_item(kind: str) -> ResponseReturnValue:
    doc = appliance().create(kind, json_body(), who=who())
    return jsonify(doc), 201, {"Location": url_for(".get_item", kind=kind, rid=doc["id"])}


@bp.get(f"/{KIND}/<rid>")
def get_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(appliance().get(kind, rid))


@bp.put(f"/{KIND}/<rid>")
def update_item(kind: str, rid: str) -> ResponseReturnValue:
    return jsonify(appliance().update(kind, rid, json_body(), who=who()))


@bp.patch(f"/{KIND}/<rid>")
def patch_item(kind: str, rid: str) -> ResponseReturnValue:
    """JSON Merge Patch (RFC 7396): send only what changes; ``null`` removes a field."""
    return jsonify(appliance().patch(kind, rid, json_body(), who=who()))


@bp.delete(f"/{KIND}/<rid>")
def delete_item(kind: str, rid: str) -> ResponseReturnValue:
    appliance().delete(kind, rid, who=who())
    return "", 204


@bp.post("/agents/<rid>/presence")
def set_presence(rid: str) -> ResponseReturnValue:
    return jsonify(appliance().set_presence(rid, json_body().get("presence")))


@bp.put("/schedules/<rid>/override")
def set_override(rid: str) -> ResponseReturnValue:
    return jsonify(appliance().set_override(rid, json_body(), who=who()))


@bp.delete("/schedules/<rid>/override")
def clear_override(rid: str) -> ResponseReturnValue:
    appliance().clear_override(rid, who=who())
    return "", 204
