"""Voice menus on the page: what the caller hears, and a row per key saying where it leads.

Keys are 1-9 and #; 0 always reaches someone and * goes back, so they are not offered.
Each row's destination is one choice among the teams, the other menus and the endings
(voicemail, a message, hang up, say the menu again). The risky shapes the router copes
with but callers may not (more than five options, menus deeper than two, no way out) are
shown as warnings above the form; they never block saving.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from . import forms
from .forms import target_choice, target_doc
from .helpers import audio_choices, editing
from .i18n import translated

bp = Blueprint("menus", __name__, url_prefix="/menus")

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "#")
SPARE_ROWS = 2
ENDINGS = {"voicemail": _l("Take a voicemail"), "message": _l("Say a message, then hang up"),
           "hangup": _l("Hang up"), "repeat": _l("Say this menu again")}
FALLBACK_ENDINGS = ("voicemail", "message", "hangup")
WHOLE = re.compile(r"^\d{1,4}$")
NEW_MENU = {"name": "", "prompt": {"text": ""}, "options": {}, "timeout_s": 5, "retries": 2,
            "fallback": {"action": "hangup"}, "operator_team": None}


def menu_doc(form: Any) -> dict[str, Any]:
    options, i = {}, 0
    while f"options.{i}.key" in form:
        key, choice = form.get(f"options.{i}.key", ""), form.get(f"options.{i}.to", "")
        if choice:
            options[key] = target_doc(choice, form.get(f"options.{i}.text", ""))
        i += 1
    audio = form.get("prompt.audio", "")
    doc = {"name": form.get("name", "").strip(),
           "prompt": {"audio": audio} if audio else {"text": form.get("prompt.text", "").strip()},
           "options": options,
           "fallback": target_doc(form.get("fallback", ""), form.get("fallback.text", "")),
           "operator_team": form.get("operator_team") or None}
    for name in ("timeout_s", "retries"):
        raw = form.get(name, "").strip()
        doc[name] = int(raw) if WHOLE.match(raw) else raw
    return doc


@bp.get("/")
def index() -> ResponseReturnValue:
    api = editing()
    menus = api.list("menus")
    return render_template("menus/index.html", menus=menus,
                           warnings={m["id"]: _warnings(m["id"]) for m in menus})


def _form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
          problem: str | None = None) -> str:
    api = editing()
    rows = [(key, target_choice(target), (target or {}).get("text") or
             (target or {}).get("sip") or "") for key, target in doc["options"].items()]
    used = {key for key, _, _ in rows}
    spare = [k for k in KEYS if k not in used][:SPARE_ROWS]
    rows += [(key, "", "") for key in spare]
    return render_template(
        "menus/edit.html", doc=doc, errors=errors, rid=rid, problem=problem, rows=rows,
        keys=KEYS, teams=api.list("teams"), menus=[m for m in api.list("menus") if m["id"] != rid],
        endings=ENDINGS, fallback_endings=FALLBACK_ENDINGS, audio=audio_choices(),
        fallback=target_choice(doc.get("fallback")), warnings=_warnings(rid) if rid else [])


def _warnings(menu_id: str) -> list[str]:
    return [translated(w) for w in editing().menu_warnings(menu_id)]


forms.resource_pages(bp, "menus", read=lambda form, rid: menu_doc(form), page=_form,
                     blank=NEW_MENU)
