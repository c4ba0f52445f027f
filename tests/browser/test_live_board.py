"""The live board in Chromium: fed by the event stream, never polling, on a phone in Spanish."""

from __future__ import annotations

from playwright.sync_api import expect

from web import board

from .conftest import no_horizontal_scroll, set_password


def live(page, url):
    set_password(page, url)
    expect(page.locator("#live")).to_have_attribute("data-connected", "true")


def test_a_call_shows_within_a_second_and_leaves_with_no_polling(page, box):
    url, api = box["url"], box["appliance"].api
    live(page, url)
    hours = page.locator("#hours tr").first
    expect(hours).to_contain_text("Cerrado ahora")            # Saturday: the office is closed
    hours.get_by_role("button", name="Abrir ahora").click()
    expect(hours).to_contain_text("Abierto a mano hasta hoy a las 12:00")

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    api.sim.incoming("line-1", "600111222")
    row = page.locator("#calls tr")
    expect(row).to_have_count(1, timeout=1000)
    expect(row).to_contain_text("600111222")
    expect(row).to_contain_text("«Welcome. Press 1 for sales")   # what the caller hears now
    api.sim.dtmf("line-1", "1")
    expect(row).to_contain_text("n.º 1 en la cola", timeout=1000)
    expect(row).to_contain_text("un tono suave de espera")
    api.sim.hangup("line-1")
    expect(row).to_have_count(0, timeout=1000)
    expect(page.locator("#history tr").first).to_contain_text("abandonada")
    expect(page.locator('[data-figure="offered"]')).to_have_text("1")
    assert requests == []                                      # all of it came on the stream
    assert no_horizontal_scroll(page)


def test_the_board_says_when_it_lost_the_box_and_finds_it_again(page, box, monkeypatch):
    monkeypatch.setattr(board, "KEEPALIVE_S", 0.2)     # a broken stream's thread ends soon
    live(page, box["url"])
    box["web"].stop()                                    # the box restarts its web server
    expect(page.locator("#connection")).to_contain_text("Sin conexión con la centralita")
    expect(page.locator("#live")).to_have_attribute("data-connected", "false")
    box["web"].start()
    expect(page.locator("#live")).to_have_attribute("data-connected", "true", timeout=8000)
    expect(page.locator("#connection")).to_have_text("en directo")


def test_staff_flash_to_hold_and_dial_away_from_a_simulated_handset(page, box):
    url, api = box["url"], box["appliance"].api
    live(page, url)
    hours = page.locator("#hours tr").first
    hours.get_by_role("button", name="Abrir ahora").click()
    expect(hours).to_contain_text("Abierto a mano")
    api.sim.incoming("line-2", "600111222")                    # straight to the team
    box["appliance"].engine.settle()
    rung = next(s for s in api.status()["stations"] if s["ringing"])
    api.sim.offhook(rung["id"])
    desk = page.locator("#people tr", has_text=rung["name"])
    desk.get_by_role("button", name="Flash (espera)").click()
    expect(desk).to_contain_text("descolgado; quien llama está en espera")
    desk.get_by_role("button", name="Flash (espera)").click()
    expect(desk).not_to_contain_text("en espera")

    idle = next(s for s in api.status()["stations"] if s["id"] != rung["id"])
    other = page.locator("#people tr", has_text=idle["name"])
    other.get_by_role("button", name="Descolgar").click()
    other.get_by_role("button", name="Marcar *2 (ausente)").click()
    expect(other).to_contain_text("ausente")
    assert no_horizontal_scroll(page)
