"""The section "Callbacks and texts": the callbacks promised to customers with the consent each
rests on, the log of consent given and taken back, and the voicemail with a player.

Everything is read from the history through the facade (what the page shows is what the box
kept, also after a restart). Cancelling is a plain form, so it works without JavaScript; a
callback being dialled cannot be cancelled, and the page says so instead of failing. The SMS
conversations and the text settings are the other pages of the section
(``web.conversations_pages``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .forms import attempt
from .helpers import appliance, names

bp = Blueprint("texts", __name__, url_prefix="/texts")

CALLBACKS_SHOWN = 100
CONSENTS_SHOWN = 50
VOICEMAILS_SHOWN = 100
OPEN = ("waiting", "ringing", "calling")
HOW = {"dtmf": _l("key press during a call"), "sms": _l("SMS reply")}
RESULTS = {"answered": _l("the customer answered"), "cancelled": _l("cancelled on this page"),
           "consent_taken_back": _l("the customer took the consent back"),
           "no_consent": _l("no consent in force when dialling"),
           "no_team": _l("its team no longer exists"), "busy": _l("busy"),
           "no_answer": _l("no answer"), "no_network": _l("no network"), "failed": _l("failed")}


@bp.get("/")
def index() -> ResponseReturnValue:
    api = appliance()
    callbacks = api.texting.callbacks(CALLBACKS_SHOWN)
    return render_template(
        "texts/index.html", callbacks=[c for c in callbacks if c["state"] in OPEN],
        finished=[c for c in callbacks if c["state"] not in OPEN],
        consents=api.consents(CONSENTS_SHOWN), names=names("lines", "teams"),
        how=how, consent_text=consent_text, result_text=result_text)


@bp.post("/callbacks/<cid>/cancel")
def cancel(cid: str) -> ResponseReturnValue:
    attempt(lambda: appliance().texting.cancel_callback(cid),
            _("Callback cancelled: the box will not call this number back."))
    return redirect(url_for(".index"))


@bp.get("/voicemail")
def voicemail() -> ResponseReturnValue:
    return render_template("texts/voicemail.html",
                           messages=appliance().voicemails(VOICEMAILS_SHOWN),
                           names=names("lines"))


@bp.post("/voicemail/<vid>/heard")
def heard(vid: str) -> ResponseReturnValue:
    attempt(lambda: appliance().mark_heard(vid, request.form.get("heard") != "no"))
    return redirect(url_for(".voicemail") + f"#vm-{vid}")


def how(consent: dict[str, Any]) -> str:
    """How the customer gave (or took back) the consent, in the page's language."""
    return str(HOW.get(consent["channel"], consent["channel"]))


def consent_text(consent: dict[str, Any]) -> str:
    """What the customer pressed (a key press keeps the key) or wrote."""
    if consent["channel"] == "dtmf":
        return _("key %(key)s", key=consent["text"])
    return consent["text"] or ""


def result_text(code: str) -> str:
    """Why a callback ended (a try's reason is kept as ``callback_<reason>``)."""
    code = code.removeprefix("callback_")
    return str(RESULTS.get(code, code.replace("_", " ")))
