"""The page's language: Spanish or English, from the browser, switchable and remembered.

Texts are gettext messages (Flask-Babel) with catalogs under ``web/translations``; English is
the source language. A first visit gets the best match of the browser's ``Accept-Language``;
choosing a language on the page stores it in a cookie for a year, so each browser keeps its
own. The box's spoken language (what callers hear) is a separate setting.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext

from appliance.errors import Text

bp = Blueprint("i18n", __name__)

LANGUAGES = {"es": "Español", "en": "English"}
SOURCE_LANGUAGE = "en"
COOKIE = "switchboard_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def N_(text: str) -> str:
    """Marks a constant for the catalog; it is translated where it is shown (``_(CONST)``)."""
    return text


def translated(message: str) -> str:
    """An appliance's sentence in the page's language: a ``Text`` knows its template and
    values; any other text is shown as it is."""
    if isinstance(message, Text):
        values = {k: translated(v) if isinstance(v, str) else v
                  for k, v in message.values.items()}
        return gettext(message.template, **values)
    return message


def translated_fields(fields: dict[str, str]) -> dict[str, str]:
    return {name: translated(message) for name, message in fields.items()}


def select_language() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=SOURCE_LANGUAGE)


def page_language() -> str:
    """What ``<html lang>`` says: the language the page is shown in."""
    return str(get_locale() or SOURCE_LANGUAGE)


@bp.post("/language")
def choose_language() -> ResponseReturnValue:
    language = request.form.get("language", "")
    back = _local(request.form.get("next", ""))
    response = redirect(back)
    if language in LANGUAGES:
        response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE_S, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def _local(target: str) -> str:
    """Only a path on this box: a form's ``next`` must not send the owner elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.index")
    return target


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    Babel(app, locale_selector=select_language)
    app.add_template_global(page_language)
    app.add_template_global(translated)
    app.add_template_global(LANGUAGES, "languages")
    app.register_blueprint(bp)
