"""Every error becomes a reply a person can act on: JSON under /api, a short page elsewhere.

Registered on the app, not on a blueprint, because unknown URLs match no blueprint and the
contract wants ``/api/nope`` answered in JSON. Unexpected exceptions are logged with their
traceback and answered with a plain sentence; the traceback never reaches the client.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from appliance.errors import ApplianceError, ValidationError

from .i18n import N_, translated
from .security import is_api_request

JSON_PAGES = ("/healthz",)    # answered in JSON like the API, for monitors and scripts
log = logging.getLogger(__name__)

INTERNAL_MESSAGE = N_("Something went wrong inside the appliance; the system log has the "
                    "details. Try again, and restart the appliance if it keeps happening.")


def appliance_error(exc: ApplianceError) -> ResponseReturnValue:
    """JSON under /api; on a page (an unknown call, team...), a sentence inside the layout."""
    if not wants_json():
        title = _("Page not found") if exc.status == 404 else _("Error")
        return render_template("message.html", title=title,
                               message=translated(exc.message)), exc.status
    fields = exc.fields if isinstance(exc, ValidationError) else {}
    return jsonify({"error": exc.message, "fields": fields}), exc.status


def wants_json() -> bool:
    return is_api_request() or request.path in JSON_PAGES


def http_error(exc: HTTPException) -> ResponseReturnValue:
    if not wants_json():
        return _page_error(exc)
    code = exc.code or 500
    if code == 404:
        message = f"There is no API route {request.path}."
    elif code == 405:
        message = f"{request.method} is not allowed on {request.path}."
    else:
        message = exc.description or exc.name
    headers = {}
    if allow := exc.get_response().headers.get("Allow"):
        headers["Allow"] = allow
    return jsonify({"error": message, "fields": {}}), code, headers


def unexpected_error(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return jsonify({"error": INTERNAL_MESSAGE, "fields": {}}), 500
    return render_template("message.html", title=_("Error"), message=_(INTERNAL_MESSAGE)), 500


def _page_error(exc: HTTPException) -> ResponseReturnValue:
    """Inside the layout, with the menu, in the owner's language: never a bare "Not Found"."""
    code = exc.code or 500
    if code == 404:
        title, message = _("Page not found"), _(
            "There is no page at this address. Use the menu to find what you were looking for.")
    elif code == 413:
        title, message = _("Too large"), _("What you sent is too large for the appliance.")
    else:
        title, message = f"{code} {exc.name}", exc.description or exc.name
    return render_template("message.html", title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApplianceError, appliance_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
