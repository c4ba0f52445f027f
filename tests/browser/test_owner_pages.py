"""What a new owner does on the page, in Spanish, on a phone-sized screen."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

from .conftest import no_horizontal_scroll, set_password

SERIOUS = ("serious", "critical")


def open_hours(page, url):
    page.get_by_role("navigation").get_by_role("link", name="Horarios").click()
    page.wait_for_url(url + "/hours/")


def test_first_run_in_spanish_leads_to_the_live_page_with_the_menu(page, box):
    set_password(page, box["url"])
    assert page.get_attribute("html", "lang") == "es"
    assert page.get_by_role("heading", name="Qué está pasando ahora").is_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="En directo").is_visible()
    assert no_horizontal_scroll(page)


def test_changing_saturdays_hours_opens_the_office_now(page, box):
    url = box["url"]
    set_password(page, url)
    open_hours(page, url)
    status = page.locator(".now").first
    assert status.inner_text().startswith("Cerrado ahora")
    page.get_by_role("link", name="Office hours").first.click()
    page.get_by_label("Sábado: de").first.fill("10:00")
    page.get_by_label("Sábado: a").first.fill("14:00")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/hours/")
    assert page.get_by_role("status").first.inner_text() == "«Office hours» guardado."
    assert page.locator(".now").first.inner_text() == "Abierto ahora; cierra hoy a las 14:00."
    saturday = box["appliance"].store.get("schedules", "office-hours")["weekly"]["sat"]
    assert saturday == [["10:00", "14:00"]]


def test_adding_a_closed_date_and_a_mistake_shown_beside_its_field(page, box):
    url = box["url"]
    set_password(page, url)
    page.goto(url + "/hours/office-hours")
    page.get_by_label("Fecha").first.fill("2026-12-24")
    page.get_by_label("Sábado: de").first.fill("14:00")
    page.get_by_label("Sábado: a").first.fill("14:00")
    page.get_by_role("button", name="Guardar").click()
    error = page.locator("#err-weekly-sat-0")
    assert error.is_visible()
    assert page.get_by_label("Fecha").first.input_value() == "2026-12-24"   # kept as typed
    page.get_by_label("Sábado: de").first.fill("")
    page.get_by_label("Sábado: a").first.fill("")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/hours/")
    stored = box["appliance"].store.get("schedules", "office-hours")
    assert stored["closed_dates"] == ["2026-12-24"]


def test_switching_to_english_is_remembered(page, box):
    url = box["url"]
    set_password(page, url)
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    assert page.get_attribute("html", "lang") == "en"
    open_link = page.get_by_role("navigation").get_by_role("link", name="Hours")
    open_link.click()
    assert page.get_by_role("heading", name="Opening hours").is_visible()


def test_pages_fit_a_phone_and_have_no_serious_accessibility_violations(page, box):
    url = box["url"]
    set_password(page, url)
    for path in ("/", "/hours/", "/hours/office-hours", "/hours/new", "/nowhere"):
        page.goto(url + path)
        page.wait_for_load_state("networkidle")
        assert no_horizontal_scroll(page), path
        found = Axe().run(page).response["violations"]
        serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found
                   if v["impact"] in SERIOUS]
        assert serious == [], (path, serious)


def test_the_unknown_address_page_offers_the_way_back(page, box):
    url = box["url"]
    set_password(page, url)
    page.goto(url + "/ajustes")
    assert page.get_by_role("heading", name="Página no encontrada").is_visible()
    page.get_by_role("link", name=re.compile("Volver")).click()
    page.wait_for_url(url + "/")
