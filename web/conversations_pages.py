"""SMS conversations and the text settings, in the section "Callbacks and texts".

A conversation is answered with a plain form (it works without JavaScript): the reply is
queued and leaves from the customer's line as soon as that line has no call, which the page
says. The settings form saves the whole document through the facade, so the page and
``PATCH /api/messaging`` share one validation; a refused one comes back with each error beside
its field and what was typed kept. Each template shows what it costs in SMS parts, counted
here on load and by ``texts.js`` (through ``POST /api/messaging/length``) while typing.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from appliance.errors import ApplianceError, ValidationError

from .forms import attempt
from .helpers import appliance, names
from .i18n import translated, translated_fields
from .layout import who_name
from .security import who

bp = Blueprint("sms_pages", __name__, url_prefix="/texts")

CONVERSATIONS_SHOWN = 50
LANGUAGE_NAMES = {"es": _l("Spanish"), "en": _l("English")}
TEMPLATE_NAMES = {
    "missed_call": (_l("Text after a missed call"),
                    _l("Sent once a day per number after a call nobody answered, a busy line "
                       "or a call out of hours. {hours} becomes the line's opening hours.")),
    "callback": (_l("Text confirming a callback"),
                 _l("Sent when a customer asks to be called back. {when} becomes “in about "
                    "10 minutes” or “on Monday from 9:00”.")),
}
NUMBERS = ("quiet_close_min", "conversations_per_agent")
WHOLE = re.compile(r"^\d{1,9}$")


def length_words(n: int, characters: Any = "%(characters)s",
                 parts: Any = "%(parts)s") -> dict[str, str]:
    """The sentence saying what a text of ``n`` characters costs, per encoding; by default
    with ``%(characters)s`` and ``%(parts)s`` left in for the page's script to fill."""
    return {"GSM-7": ngettext("%(characters)s character, GSM-7, %(parts)s SMS",
                              "%(characters)s characters, GSM-7, %(parts)s SMS", n,
                              characters=characters, parts=parts),
            "UCS-2": ngettext("%(characters)s character, UCS-2 (accents like á or emoji make "
                              "each SMS hold 70 characters), %(parts)s SMS",
                              "%(characters)s characters, UCS-2 (accents like á or emoji make "
                              "each SMS hold 70 characters), %(parts)s SMS", n,
                              characters=characters, parts=parts)}


def script_words() -> dict[str, dict[str, str]]:
    """For ``texts.js``: the sentences for one character and for any other count (the rule
    of both languages below a million)."""
    return {"one": length_words(1), "other": length_words(2)}


def length_of(text: str, template: str | None = None,
              language: str | None = None) -> dict[str, Any]:
    """What the page says a text costs ("text"), and whether it is UCS-2 ("ucs2"); a
    template is counted as it goes out, its placeholders filled in."""
    try:
        found = appliance().texting.length(text, template, language)
    except ValidationError as exc:
        return {"text": translated(exc.fields.get("text", exc.message)), "ucs2": False}
    n = found["characters"]
    return {"text": length_words(n, n, found["parts"])[found["encoding"]],
            "ucs2": found["encoding"] == "UCS-2"}


# -- conversations ---------------------------------------------------------------------------

@bp.get("/conversations")
def conversations() -> ResponseReturnValue:
    return _conversations({}, {})


@bp.post("/conversations/<cid>/reply")
def reply(cid: str) -> ResponseReturnValue:
    text = request.form.get("text", "")
    try:
        appliance().texting.reply(cid, text)
    except ValidationError as exc:
        problem = translated(exc.fields.get("text", exc.message))
        return _conversations({f"reply-{cid}": problem}, {cid: text}), 400
    except ApplianceError as exc:
        flash(translated(exc.message), "error")
    else:
        flash(_("Reply queued: it is sent as soon as the line is free."), "ok")
    return redirect(url_for(".conversations") + f"#conv-{cid}")


@bp.post("/conversations/<cid>/close")
def close(cid: str) -> ResponseReturnValue:
    attempt(lambda: appliance().texting.close_conversation(cid, who()),
            _("Conversation closed. A new text from this customer opens a new one."))
    return redirect(url_for(".conversations"))


def _conversations(errors: dict[str, str], typed: dict[str, str]) -> str:
    found = appliance().texting.conversations(CONVERSATIONS_SHOWN)
    return render_template(
        "texts/conversations.html", open=[c for c in found if c["state"] == "open"],
        closed=[c for c in found if c["state"] != "open"], errors=errors, typed=typed,
        names=names("lines", "teams", "agents"), words=script_words(), status=status_text,
        closed_by=closed_by, length=length_of)


def status_text(message: dict[str, Any]) -> str:
    """How an outgoing text went ("sent", or why not)."""
    status = message["status"] or ""
    if status == "sent":
        return _("sent")
    if status.startswith("failed"):
        why = status.partition(":")[2].strip()
        return _("not sent: %(why)s", why=why) if why else _("not sent")
    return status


def closed_by(value: str | None) -> str:
    if value == "quiet":
        return _("closed by itself after a quiet time")
    return _("closed by %(who)s", who=who_name(value or ""))


# -- settings ----------------------------------------------------------------------------------

@bp.get("/settings")
def settings() -> ResponseReturnValue:
    return _settings(appliance().texting.messaging(), {})


@bp.post("/settings")
def save_settings() -> ResponseReturnValue:
    doc = settings_doc(request.form)
    try:
        appliance().texting.set_messaging(doc)
    except ValidationError as exc:
        return _settings(doc, translated_fields(exc.fields)), 400
    flash(_("Text settings saved."), "ok")
    return redirect(url_for(".settings"))


def settings_doc(form: Any) -> dict[str, Any]:
    """The API's document from the form; a number left as typed when it is not one, so
    validation says so. An empty template goes back to the standard text."""
    doc: dict[str, Any] = {
        "owner_mobile": form.get("owner_mobile", "").strip() or None,
        "missed_call_texts": form.get("missed_call_texts") == "yes",
        "daily_summary": form.get("daily_summary") == "yes",
        "summary_at": form.get("summary_at", "").strip() or None,
        "templates": {lang: {kind: form.get(f"templates.{lang}.{kind}", "")
                             for kind in TEMPLATE_NAMES} for lang in LANGUAGE_NAMES},
    }
    for name in NUMBERS:
        raw = form.get(name, "").strip()
        doc[name] = int(raw) if WHOLE.match(raw) else raw
    return doc


def _settings(doc: dict[str, Any], errors: dict[str, str]) -> str:
    lengths = {f"templates.{lang}.{kind}": length_of(text, kind, lang)
               for lang, texts in doc["templates"].items() for kind, text in texts.items()}
    return render_template(
        "texts/settings.html", doc=doc, errors=errors, lengths=lengths, words=script_words(),
        languages_shown=LANGUAGE_NAMES, templates=TEMPLATE_NAMES,
        problem=bool(errors))
