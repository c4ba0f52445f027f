"""Phone lines on the page: how each one is working now, and where its calls go.

Which modem port a line is on is wiring, set by the installer in the box's settings file; the
page shows what the device reports and, when the line is not working, the reason the driver
gives with what to do. The SIM PIN may be typed here: it is kept apart from the line's
document (never shown again, never in a backup) and used when the line next starts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appliance.errors import ValidationError

from . import forms
from .forms import target_choice, target_doc
from .helpers import editing
from .i18n import translated_fields

bp = Blueprint("lines", __name__, url_prefix="/lines")


def line_doc(form: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    greeting = form.get("greeting", "").strip()
    kind = form.get("kind") or (current or {}).get("kind", "gsm")
    return {"name": form.get("name", "").strip(), "number": form.get("number", "").strip(),
            "kind": kind, "entry": target_doc(form.get("entry", ""), form.get("entry.sip", "")),
            "schedule": form.get("schedule") or None,
            "greeting": {"text": greeting} if greeting else None}


# What a modem says about itself (``ModemInfo``), in the order and words the page shows.
DEVICE_FIELDS = {"model": _l("Model"), "manufacturer": _l("Maker"), "firmware": _l("Firmware"),
                 "imei": "IMEI", "sim": "SIM", "iccid": "ICCID", "operator": _l("Operator"),
                 "registration": _l("Network"), "signal_dbm": _l("Signal (dBm)")}


@bp.get("/")
def index() -> ResponseReturnValue:
    api = editing()
    live = {line["id"]: line for line in api.status()["lines"]}
    names = {f"team:{t['id']}": t["name"] for t in api.list("teams")} | \
        {f"menu:{m['id']}": m["name"] for m in api.list("menus")} | \
        {"sip": _("the office's PBX")}
    schedules = {s["id"]: s["name"] for s in api.list("schedules")}
    return render_template("lines/index.html", lines=api.list("lines"), live=live,
                           names=names, schedules=schedules, target_choice=target_choice,
                           device_fields=DEVICE_FIELDS)


def _read(form: Any, rid: str | None) -> dict[str, Any]:
    return line_doc(form, editing().get("lines", rid) if rid else None)


def _pin_first(rid: str | None) -> ResponseReturnValue | None:
    """A new or forgotten SIM PIN is kept before the line is saved; a bad one stops both."""
    pin, forget = request.form.get("sim_pin", "").strip(), request.form.get("forget_pin")
    if rid is None or not (pin or forget):
        return None
    try:
        editing().admin.set_sim_pin(rid, None if forget else pin)
    except ValidationError as exc:
        return _form(_read(request.form, rid) | {"id": rid}, translated_fields(exc.fields), rid,
                     exc.message), 400
    return None


def _form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
          problem: str | None = None) -> str:
    api = editing()
    live = next((x for x in api.status()["lines"] if x["id"] == rid), None) if rid else None
    return render_template(
        "lines/edit.html", doc=doc, errors=errors, rid=rid, problem=problem,
        pin_set=bool(rid and api.admin.sim_pin(rid)), device=(live or {}).get("device", {}),
        entry=target_choice(doc.get("entry")), teams=api.list("teams"), menus=api.list("menus"),
        schedules=api.list("schedules"))


forms.resource_pages(bp, "lines", read=_read, page=_form, first=_pin_first, blank={
    "name": "", "number": "", "kind": "gsm", "entry": None, "schedule": None, "greeting": None})
