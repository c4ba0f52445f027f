"""The section "Callbacks and texts" on a phone, in Spanish: it fits, and a template's cost in
SMS follows what the owner types."""

from __future__ import annotations

from playwright.sync_api import expect

from hardware.events import SmsReceived

from .conftest import fits_a_phone_with_no_serious_violations, no_horizontal_scroll, set_password


def something_to_show(appliance) -> None:
    """A callback with its consent (kept as the core keeps them), a conversation with a long
    unbroken word, and a voicemail: what must fit on the phone."""
    history, now = appliance.history, appliance.clock.now().isoformat()
    consent = history.add_consent("+34600111222", "line-1", "dtmf", "1", now, expires=now)
    history.save_callback({"id": "cb1", "number": "+34600111222", "line": "line-1",
                           "team": "reception", "state": "waiting", "attempts": 1,
                           "requested": now, "place": now, "next_at": now, "consent": consent,
                           "result": "", "updated": now})
    history.add_voicemail("vm1", "line-1", "+34655444333", now)
    team = appliance.store.get("teams", "reception")
    appliance.store.update("teams", "reception", team | {"channels": ["voice", "sms"]})
    appliance.engine.post(SmsReceived("line-1", "+34611222333", "¿Abren? " + "x" * 120, now))
    appliance.engine.settle()


def test_an_accent_in_a_template_makes_it_ucs2_and_the_section_fits_a_phone(page, box):
    url = box["url"]
    something_to_show(box["appliance"])
    set_password(page, url)
    page.get_by_role("navigation", name="Secciones").get_by_role(
        "link", name="Devoluciones de llamada y mensajes").click()
    page.wait_for_url(url + "/texts/")
    expect(page.get_by_role("heading", name="1. +34600111222")).to_be_visible()
    fits_a_phone_with_no_serious_violations(page, "/texts/")
    tabs = page.get_by_role("navigation", name="Páginas de esta sección")
    for name, path in (("Conversaciones", "/texts/conversations"),
                       ("Mensajes de voz", "/texts/voicemail"),
                       ("Ajustes de los mensajes", "/texts/settings")):
        tabs.get_by_role("link", name=name).click()
        page.wait_for_url(url + path)
        fits_a_phone_with_no_serious_violations(page, path)
        if path.endswith("conversations"):
            expect(page.get_by_role("heading", name="+34611222333")).to_be_visible()

    cost = page.locator("#len-es-missed_call")
    expect(cost).to_contain_text("caracteres, GSM-7, 1 SMS")
    typed = "Perdimos su llamada. {hours} Responda SÍ y le llamaremos en cuanto podamos."
    page.locator("#t-es-missed_call").fill(typed)
    sent = box["appliance"].api.texting.length(typed, "missed_call", "es")   # {hours} filled
    assert sent["characters"] > len(typed) - len("{hours}")
    expect(cost).to_have_text(f"{sent['characters']} caracteres, UCS-2 (los acentos como á o "
                              f"los emojis hacen que cada SMS lleve solo 70 caracteres), "
                              f"{sent['parts']} SMS")
    assert no_horizontal_scroll(page)

    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/texts/settings")
    expect(page.get_by_role("status")).to_have_text("Ajustes de los mensajes guardados.")
    saved = box["appliance"].api.texting.settings().templates["es"]["missed_call"]
    assert saved.startswith("Perdimos su llamada. {hours} Responda SÍ")
