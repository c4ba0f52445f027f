"""Spanish and English: the catalog covers every text, the browser's language is followed,
the owner's choice is remembered, and every logged-in page has the same menu."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import url_for

from web.layout import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CATALOG = WEB / "translations" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifgeEx]|\{\w+\}")
KEYWORDS = {"_": None, "gettext": None, "N_": None, "_l": None, "ngettext": (1, 2),
            "Text": None}


def marked_texts() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = [m for folder in (WEB, ROOT / "appliance")
             for m in extract_from_dir(str(folder), method_map, keywords=KEYWORDS)]
    return {message if isinstance(message, str) else message[0]
            for _, _, message, _, _ in found}


def catalog(reader, name: str) -> dict[str, tuple[str, ...]]:
    """msgid (a plural's singular) -> its translations (one, or one per plural form)."""
    with (CATALOG / name).open("rb") as file:
        return {_first(m.id): tuple(m.string) if isinstance(m.string, list | tuple)
                else (m.string,) for m in reader(file) if m.id}


def _first(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def test_every_text_the_pages_show_has_a_spanish_translation_with_the_same_placeholders():
    translated = {k: v for k, v in catalog(read_po, "messages.po").items() if all(v)}
    missing = sorted(marked_texts() - set(translated))
    assert missing == [], "run scripts/translations.sh and translate these"
    for msgid, texts in translated.items():
        for text in texts:
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


def test_the_compiled_catalog_is_the_current_one():
    compiled, source = catalog(read_mo, "messages.mo"), catalog(read_po, "messages.po")
    assert compiled == source, "run scripts/translations.sh to compile the catalog"


def test_a_first_visit_follows_the_browsers_language(browser):
    spanish = browser.client.get("/setup",
                                 headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Poner la contraseña" in page
    english = browser.client.get("/setup", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_the_owners_choice_is_remembered_over_the_browsers_language(owner):
    token = owner.form_token("/")
    reply = owner.client.post("/language", data={"csrf_token": token, "language": "es",
                                                 "next": "/hours/"})
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/hours/"
    page = owner.client.get("/hours/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Horarios de apertura" in page


def test_the_language_form_only_sends_the_owner_back_to_this_box(owner):
    token = owner.form_token("/")
    reply = owner.client.post("/language", data={
        "csrf_token": token, "language": "en", "next": "https://evil.example/"})
    assert reply.headers["Location"] == "/"


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("path", ["/", "/hours/", "/hours/office", "/hours/new"])
def test_every_logged_in_page_has_the_menu_of_sections(owner, path):
    page = owner.client.get(path).get_data(as_text=True)
    nav = page[page.index("<nav"):page.index("</nav>")]
    with owner.client.application.test_request_context():
        links = [url_for(section.endpoint) for section in SECTIONS]
    assert re.findall(r'href="([^"]+)"', nav) == links
    assert nav.count('aria-current="page"') == 1


def test_an_unknown_address_is_a_404_inside_the_layout_in_the_owners_language(owner):
    reply = owner.client.get("/settings-that-do-not-exist", headers={"Accept-Language": "es"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 404
    assert "<nav" in page
    assert "Página no encontrada" in page
    assert '<html lang="es">' in page


@pytest.mark.usefixtures("seeded")
def test_the_live_pages_status_carries_its_warnings_translated_the_api_keeps_english(owner):
    spanish = {"Accept-Language": "es"}
    page = owner.client.get("/api/status?translated=1", headers=spanish).get_json()
    api = owner.client.get("/api/status", headers=spanish).get_json()
    assert any("no tiene música de espera" in w for w in page["warnings"])
    assert any("has no hold audio" in w for w in api["warnings"])
