"""What a new owner does on the page, in Spanish, on a phone-sized screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import (
    API_KEY,
    a_tone,
    fits_a_phone_with_no_serious_violations,
    no_horizontal_scroll,
    set_password,
)


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


def test_an_english_browser_switches_to_spanish_and_it_is_remembered(chromium, box):
    url = box["url"]
    context = chromium.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(url + "/")
        assert page.get_attribute("html", "lang") == "en"
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change").click()
        assert page.get_attribute("html", "lang") == "es"
        set_password(page, url)                      # the rest of the first run, in Spanish
        page.goto(url + "/hours/")
        assert page.get_by_role("heading", name="Horarios de apertura").is_visible()
    finally:
        context.close()


def test_pages_fit_a_phone_and_have_no_serious_accessibility_violations(page, box):
    url = box["url"]
    set_password(page, url)
    for path in ("/", "/lines/", "/lines/line-1", "/hours/", "/hours/office-hours", "/hours/new",
                 "/menus/", "/menus/main", "/teams/", "/teams/reception", "/people/", "/settings/",
                 "/welcome/",
                 "/people/agents/ana", "/audio/", "/history/", "/figures/", "/nowhere"):
        page.goto(url + path)
        fits_a_phone_with_no_serious_violations(page, path)


def test_the_unknown_address_page_offers_the_way_back(page, box):
    url = box["url"]
    set_password(page, url)
    page.goto(url + "/ajustes")
    assert page.get_by_role("heading", name="Página no encontrada").is_visible()
    page.get_by_role("link", name=re.compile("Volver")).click()
    page.wait_for_url(url + "/")


def test_a_new_agent_added_first_to_a_team_rings_on_a_call(page, box):
    url = box["url"]
    set_password(page, url)
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="Agentes y teléfonos").click()
    page.get_by_role("link", name="Añadir un teléfono").click()
    page.get_by_label("Nombre").fill("Desk 4")
    page.get_by_role("button", name="Guardar").click()
    page.get_by_role("link", name="Añadir un agente").click()
    page.get_by_label("Nombre").fill("Dora")
    page.get_by_label("Teléfono").select_option(label="Desk 4")
    page.get_by_role("button", name="Guardar").click()
    assert page.get_by_text("Dora contesta aquí.").is_visible()

    nav.get_by_role("link", name="Equipos").click()
    page.get_by_role("link", name="Reception").click()
    page.get_by_label("Añadir un miembro").select_option(label="Dora")
    page.get_by_role("button", name="Añadir", exact=True).click()
    for _ in range(3):                                  # from last to first place
        page.get_by_role("button", name="Subir a Dora").click()
    page.get_by_label("Sonar de uno en uno").check()
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/teams/")
    team = box["appliance"].store.get("teams", "reception")
    assert (team["members"][0], team["strategy"]) == ("dora", "linear")

    nav.get_by_role("link", name="En directo").click()
    expect(page.locator("#connection")).to_have_text("en directo")     # it has polled once
    key = {"X-Api-Key": API_KEY}
    page.request.post(url + "/api/sim/clock", headers=key,
                      data={"now": "2026-12-09T10:00:00+01:00"})   # Wednesday (7-8 are holidays)
    page.request.post(url + "/api/sim/lines/line-2/incoming", headers=key,
                      data={"caller": "600111222"})
    ringing = page.locator("#people tr", has_text="Desk 4").locator("td").nth(2)
    expect(ringing).to_have_text("sonando")
    expect(page.locator("#announce")).to_have_text("Desk 4 está sonando.")   # screen readers


def test_editing_the_menu_adds_a_key_for_voicemail(page, box):
    url = box["url"]
    set_password(page, url)
    page.get_by_role("navigation").get_by_role("link", name="Menús").click()
    page.get_by_role("link", name="Main menu").click()
    page.get_by_label("Texto que dice el equipo").fill(
        "Bienvenido. Pulse 1 para ventas o 3 para dejar un mensaje.")
    page.get_by_label("La tecla 3 lleva a").select_option(label="Tomar un mensaje de voz")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/menus/")
    menu = box["appliance"].store.get("menus", "main")
    assert menu["options"]["3"] == {"action": "voicemail"}
    assert menu["prompt"]["text"].startswith("Bienvenido.")


def test_uploading_hold_music_with_progress_and_choosing_it_for_a_team(page, box, tmp_path):
    url = box["url"]
    set_password(page, url)
    page.get_by_role("navigation").get_by_role("link", name="Audio").click()
    page.get_by_label("Archivo").set_input_files(str(a_tone(tmp_path / "espera.wav")))
    page.get_by_label("Nombre (opcional)").fill("Música de espera")
    page.get_by_role("button", name="Subir").click()
    expect(page.get_by_role("heading", name="Música de espera")).to_be_visible()
    assert page.get_by_text("«Música de espera» está listo").is_visible()
    assert page.locator("audio").count() == 1

    page.get_by_role("navigation").get_by_role("link", name="Equipos").click()
    page.get_by_role("link", name="Reception").click()
    page.get_by_label("Música de espera").select_option(label="Música de espera")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/teams/")
    assert box["appliance"].store.get("teams", "reception")["hold_audio"] == "musica-de-espera"


def test_a_file_that_is_not_audio_is_refused_beside_the_field(page, box, tmp_path):
    url = box["url"]
    set_password(page, url)
    notes = tmp_path / "notas.mp3"
    notes.write_text("Estas son mis notas, no una grabación.\n" * 50)
    page.goto(url + "/audio/")
    page.get_by_label("Archivo").set_input_files(str(notes))
    page.get_by_role("button", name="Subir").click()
    expect(page.locator("#err-file")).to_contain_text("No es un archivo de audio (parece texto)")


def test_the_setup_guide_leaves_a_working_office(page, box):
    url = box["url"]
    set_password(page, url, guide=True)
    page.get_by_label("Nombre de la oficina").fill("Gestoría López")
    page.get_by_role("group", name="De lunes a viernes").get_by_label("de").fill("08:00")
    page.get_by_role("group", name="De lunes a viernes").get_by_label("a").fill("15:00")
    page.get_by_role("group", name="Sábado (vacío si cierra)").get_by_label("de").fill("10:00")
    page.get_by_role("group", name="Sábado (vacío si cierra)").get_by_label("a").fill("13:00")
    handset = page.get_by_role("group", name="Teléfono 2")
    handset.get_by_label("Quién contesta ahí").fill("Bruno Díaz")
    page.get_by_role("button", name="Poner en marcha mi oficina").click()
    page.wait_for_url(url + "/")
    assert page.locator(".brand").inner_text() == "Gestoría López"
    store = box["appliance"].store
    hours = store.get("schedules", "office-hours")
    assert hours["weekly"]["mon"] == [["08:00", "15:00"]]
    assert hours["weekly"]["sat"] == [["10:00", "13:00"]]
    assert store.get("agents", "bruno")["name"] == "Bruno Díaz"
    everyone = store.get("teams", "everyone")
    assert "bruno" in everyone["members"]
    assert everyone["strategy"] == "ring_all"
    page.get_by_role("navigation").get_by_role("link", name="Horarios").click()
    assert page.locator(".now").first.inner_text() == "Abierto ahora; cierra hoy a las 13:00."
