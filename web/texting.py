"""The JSON API of callbacks, SMS conversations and the text settings (issue 16's contract).

``GET /api/callbacks`` and ``DELETE /api/callbacks/<id>``; ``GET /api/conversations``
(``?open=1``: only open ones), one conversation, ``POST .../reply {"text"}`` and
``POST .../close``; ``GET``/``PATCH /api/messaging`` (the owner's mobile, templates, summary);
``POST /api/messaging/length {"text", "template"?, "language"?}`` counts SMS parts the way
the modem will send them.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from .helpers import appliance, json_body, limit_arg
from .security import who

bp = Blueprint("texting", __name__, url_prefix="/api")


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    return jsonify(appliance().texting.callbacks(limit_arg()))


@bp.delete("/callbacks/<cid>")
def cancel_callback(cid: str) -> ResponseReturnValue:
    appliance().texting.cancel_callback(cid)
    return "", 204


@bp.get("/conversations")
def conversations() -> ResponseReturnValue:
    return jsonify(appliance().texting.conversations(
        limit_arg(), open_only=request.args.get("open") == "1"))


@bp.get("/conversations/<cid>")
def conversation(cid: str) -> ResponseReturnValue:
    return jsonify(appliance().texting.conversation(cid))


@bp.post("/conversations/<cid>/reply")
def reply(cid: str) -> ResponseReturnValue:
    appliance().texting.reply(cid, json_body().get("text"))
    return jsonify({"queued": True}), 202


@bp.post("/conversations/<cid>/close")
def close(cid: str) -> ResponseReturnValue:
    appliance().texting.close_conversation(cid, who())
    return "", 204


@bp.get("/messaging")
def messaging() -> ResponseReturnValue:
    return jsonify(appliance().texting.messaging())


@bp.patch("/messaging")
def change_messaging() -> ResponseReturnValue:
    return jsonify(appliance().texting.set_messaging(json_body()))


@bp.post("/messaging/length")
def length() -> ResponseReturnValue:
    """``{"text", "template"?, "language"?}``: a template is counted with its placeholders
    filled in, as it goes out."""
    body = json_body()
    return jsonify(appliance().texting.length(body.get("text"), body.get("template"),
                                              body.get("language")))
