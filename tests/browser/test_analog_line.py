"""An analog line behind an ATA and a SIP desk, as the owner sees them on a phone in Spanish:
what to copy into the ATA, where the line's calls go (the office's PBX included), and a
mistake in the PBX's address shown beside its field with what was typed kept."""

from __future__ import annotations

import pytest

from hardware.fakes.sip import SimulatedSip

from .conftest import served, set_password


@pytest.fixture
def sip_box(tmp_path, baresip_installed):
    sip = SimulatedSip(tmp_path / "sip", ["line-3"], ["desk-4"], trunks=["line-3"])
    assert sip.start() is None
    with served(tmp_path, sip) as box:
        yield box


def test_the_ata_settings_to_copy_and_a_pbx_address_checked_beside_its_field(page, sip_box):
    url, store = sip_box["url"], sip_box["appliance"].store
    hub = sip_box["appliance"].hardware.sip.hub
    set_password(page, url)
    page.goto(url + "/lines/")
    page.get_by_role("link", name="Ajustes para copiar en el ATA").click()
    settings = page.get_by_role("region", name="Ajustes para copiar en el ATA (Grandstream HT813)")
    said, port = settings.inner_text(), hub.config.sip_port
    assert f"User ID line-3, SIP Server 127.0.0.1, SIP Destination Port {port}" in said
    assert "la caja rechaza las llamadas de cualquier otra dirección" in said
    assert page.get_by_label("Una línea de teléfono normal, a través de un adaptador (ATA)") \
        .is_checked()

    page.get_by_label("Las llamadas van a", exact=True).select_option(
        label="La centralita de la oficina (pasarela)")
    page.get_by_label("La dirección de la centralita, si las llamadas van a ella").fill(
        "extensión 100")
    page.get_by_role("button", name="Guardar").click()
    address = page.get_by_label("La dirección de la centralita, si las llamadas van a ella")
    assert address.input_value() == "extensión 100"                  # kept as typed
    assert address.get_attribute("aria-invalid") == "true"
    assert "Debe ser la dirección SIP de la centralita" in page.locator("#err-entry-sip") \
        .inner_text()
    address.fill("sip:100@192.168.1.5")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/lines/")
    assert store.get("lines", "line-3")["entry"] == {"sip": "sip:100@192.168.1.5"}
    card = page.locator(".card", has_text="Analog line (ATA)")
    assert "la centralita de la oficina" in card.inner_text()


def test_the_live_board_says_what_kind_each_line_and_phone_is(page, sip_box):
    set_password(page, sip_box["url"])
    lines, people = page.locator("#lines"), page.locator("#people")
    lines.get_by_text("Analog line (ATA) · línea fija con ATA").wait_for()
    assert "Main number · SIM" in lines.inner_text()
    assert "SIP desk · teléfono SIP" in people.inner_text()
    assert "Front desk · teléfono analógico" in people.inner_text()
