"""What every settings form does the same way: save through the facade, or come back.

A form is turned into the API's document by its blueprint and saved whole, so the page and
the API share one validation. A refused document re-renders the form with each error beside
its field and what was typed kept (400); a refused delete (still in use) says where, on the
form it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from appliance.errors import ApplianceError, ValidationError

from .helpers import editing
from .i18n import translated, translated_fields
from .security import who

# doc, errors, problem -> the page with the form
Render = Callable[[dict[str, Any], dict[str, str], "str | None"], ResponseReturnValue]
# doc, errors, rid (None: a new one), problem -> the page with the form
Page = Callable[[dict[str, Any], dict[str, str], "str | None", "str | None"], str]
# the posted form, rid -> the API's document
Reader = Callable[[Mapping[str, str], "str | None"], dict[str, Any]]


def resource_pages(bp: Blueprint, kind: str, *, read: Reader, page: Page,
                   blank: dict[str, Any], path: str = "", name: str = "",
                   first: Callable[[str | None], ResponseReturnValue | None] | None = None
                   ) -> None:
    """The five routes every settings page has, for one kind of resource: ``new`` (a blank
    form), ``create``, ``edit``, ``save`` and ``delete``, under ``path`` (``/agents``) with
    ``name`` appended to each endpoint (``edit_agent``). ``first`` may answer a posted form
    instead of saving it (the team form's member buttons re-render it re-ordered)."""
    suffix = f"_{name}" if name else ""
    back, edit = ".index", f".edit{suffix}"

    def submitted(rid: str | None) -> ResponseReturnValue:
        if first is not None and (answer := first(rid)) is not None:
            return answer
        return save(kind, rid, read(request.form, rid),
                    lambda doc, errors, problem: page(doc, errors, rid, problem), back)

    routes: list[tuple[str, str, str, Callable[..., ResponseReturnValue]]] = [
        ("/new", "new", "GET", lambda: page(blank, {}, None, None)),
        ("/new", "create", "POST", lambda: submitted(None)),
        ("/<rid>", "edit", "GET", lambda rid: page(editing().get(kind, rid), {}, rid, None)),
        ("/<rid>", "save", "POST", submitted),
        ("/<rid>/delete", "delete", "POST", lambda rid: delete(kind, rid, edit, back)),
    ]
    for rule, endpoint, method, view in routes:
        bp.add_url_rule(path + rule, endpoint + suffix, view, methods=[method])


def save(kind: str, rid: str | None, doc: dict[str, Any], render: Render,
         back: str) -> ResponseReturnValue:
    """Create (``rid`` None) or replace the resource; then back to the list, with a note."""
    api = editing()
    try:
        saved = api.update(kind, rid, doc, who=who()) if rid else \
            api.create(kind, doc, who=who())
    except ValidationError as exc:
        return render(doc | ({"id": rid} if rid else {}), translated_fields(exc.fields),
                      translated(exc.message)), 400
    flash(_("Saved “%(name)s”.", name=saved.get("name", saved["id"])), "ok")
    return redirect(url_for(back))


def delete(kind: str, rid: str, edit: str, back: str) -> ResponseReturnValue:
    if attempt(lambda: editing().delete(kind, rid, who=who()), _("Deleted.")):
        return redirect(url_for(back))
    return redirect(url_for(edit, rid=rid))


def attempt(action: Callable[[], object], done: str | None = None) -> bool:
    """Run a page's button: flash ``done`` when it worked, or what went wrong in the page's
    language (something in use, gone, or closed meanwhile). Whether it worked."""
    try:
        action()
    except ApplianceError as exc:
        flash(translated(exc.message), "error")
        return False
    if done:
        flash(done, "ok")
    return True


def listed(form: Any, prefix: str) -> list[str]:
    """Filled-in values of ``<prefix>.0``, ``<prefix>.1``… in order (blank rows dropped)."""
    values, i = [], 0
    while f"{prefix}.{i}" in form:
        if value := form.get(f"{prefix}.{i}", "").strip():
            values.append(value)
        i += 1
    return values


# -- where a call goes (a line's entry, a menu option, a menu's fallback) -----------------------

def target_choice(target: dict[str, Any] | None) -> str:
    """A target as one select value: ``team:<id>``, ``menu:<id>``, ``action:<name>`` or
    ``sip`` (the office's PBX, whose address goes in the text beside the select)."""
    if not target:
        return ""
    if target.get("sip"):
        return "sip"
    for kind in ("team", "menu"):
        if target.get(kind):
            return f"{kind}:{target[kind]}"
    return f"action:{target['action']}" if target.get("action") else ""


def target_doc(choice: str, text: str = "") -> dict[str, Any] | None:
    """The API's target for a select value (and the text beside it: the message for
    ``action:message``, the PBX's address for ``sip``)."""
    if choice == "sip":
        return {"sip": text.strip()}
    kind, _, value = choice.partition(":")
    if kind in ("team", "menu") and value:
        return {kind: value}
    if kind == "action" and value:
        return {"action": value, "text": text.strip() or None}
    return None
