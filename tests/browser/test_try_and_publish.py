"""Try before publishing in Chromium, in Spanish on a phone: edit the hours in a draft,
ask the simulator about a Saturday call, publish and watch the live board follow, put the
previous version back; and take the history away as CSV."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from .conftest import set_password


def open_changes(page, url):
    page.get_by_role("navigation").get_by_role("link", name="Probar y publicar").click()
    page.wait_for_url(url + "/changes/")


def test_a_draft_tried_on_saturday_then_published_and_put_back(page, box):
    url = box["url"]
    set_password(page, url)
    board = page.context.new_page()                       # the live board, open all along
    board.goto(url + "/")
    expect(board.locator("#live")).to_have_attribute("data-connected", "true")
    hours = board.locator("#hours tr").first
    expect(hours).to_contain_text("Cerrado ahora")

    open_changes(page, url)
    page.get_by_role("button", name="Abrir un borrador").click()
    page.goto(url + "/hours/office-hours")
    expect(page.locator(".draft-banner")).to_be_visible()
    page.get_by_label("Sábado: de").first.fill("10:00")
    page.get_by_label("Sábado: a").first.fill("14:00")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url + "/hours/")
    expect(hours).to_contain_text("Cerrado ahora")        # callers still get the live hours

    open_changes(page, url)
    expect(page.locator(".differences")).to_contain_text("Cambiado: horario «Office hours»")
    page.get_by_label("Día y hora (de la oficina)").fill("2026-12-05T10:00")
    page.get_by_label("Teclas que pulsa quien llama").fill("2")
    page.get_by_role("button", name="Probar", exact=True).click()
    steps = page.get_by_role("list", name="Qué pasa, paso a paso")
    expect(steps).to_contain_text("está abierto a las 2026-12-05 10:00")
    expect(steps).to_contain_text("Tecla 2 en el menú «Main menu».")
    assert box["appliance"].api.status()["calls"] == ()   # nothing was dialled

    page.get_by_role("button", name="Publicar: que lo tenga ya quien llama").click()
    expect(page.get_by_role("status").first).to_contain_text("Publicado")
    expect(hours).to_contain_text("Abierto ahora; cierra hoy a las 14:00", timeout=2000)

    page.get_by_role("button", name="Volver a poner la versión 1").click()
    expect(page.get_by_role("status").first).to_contain_text("La versión 1 vuelve a estar")
    expect(hours).to_contain_text("Cerrado ahora", timeout=2000)
    board.close()


def test_the_history_goes_away_as_csv_with_its_rows(page, box):
    url, api = box["url"], box["appliance"].api
    for caller in ("600000001", "600000002"):       # one after the other: the second caller
        api.sim.incoming("line-1", caller)          # must not find the line still busy
        api.sim.hangup("line-1")
        box["appliance"].engine.settle()
    set_password(page, url)
    page.goto(url + "/history/?caller=600000002")
    link = page.get_by_role("link", name="Descargar estas llamadas (CSV)")
    answer = page.request.get(url + link.get_attribute("href"))
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    assert [(row["caller"], row["line"], row["outcome"]) for row in rows] == [
        ("600000002", "line-1", "abandoned")]
