"""The lines page: how each line works now, and where its calls go."""

from __future__ import annotations

import pytest
from gpiozero import DigitalOutputDevice
from gpiozero.pins.mock import MockFactory

from appliance.events import LineInfo, LineStatus
from hardware.handset import Handset, HandsetPins
from hardware.modem.setup import REGISTRATION_TEXT, lock_advice
from web.board import board
from web.helpers import appliance

from .forms import form_of

pytestmark = pytest.mark.usefixtures("seeded")


def test_the_list_shows_each_lines_state_destination_and_hours(owner, store):
    store.patch("lines", "mobile", {"schedule": "office"})
    page = owner.client.get("/lines/").get_data(as_text=True)
    assert "Mobile" in page
    assert "Calls go to: Sales." in page
    assert "Hours: Office." in page
    assert "state-" in page


def test_a_line_is_pointed_at_a_menu_with_hours_and_a_greeting(owner, store):
    store.create("menus", {"id": "main", "name": "Main", "prompt": {"text": "Pulse 1."},
                           "options": {"1": {"team": "sales"}}})
    fields = form_of(owner, "/lines/mobile") | {"entry": "menu:main", "schedule": "office",
                                                "greeting": "Gracias por llamar."}
    assert owner.client.post("/lines/mobile", data=fields).status_code == 302
    line = store.get("lines", "mobile")
    assert (line["entry"], line["schedule"]) == ({"menu": "main"}, "office")
    assert line["greeting"] == {"text": "Gracias por llamar."}
    assert line["kind"] == "gsm"


def test_a_line_without_a_destination_or_with_a_bad_number_is_refused(owner, store):
    before = store.get("lines", "mobile")
    fields = form_of(owner, "/lines/mobile") | {"entry": "", "number": "call me"}
    reply = owner.client.post("/lines/mobile", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="err-entry"' in page
    assert 'id="err-number"' in page
    assert 'value="call me"' in page
    assert store.get("lines", "mobile") == before


def test_a_sim_pin_is_kept_apart_never_shown_and_can_be_forgotten(owner, store):
    fields = form_of(owner, "/lines/mobile") | {"sim_pin": "4321"}
    assert owner.client.post("/lines/mobile", data=fields).status_code == 302
    assert store.setting("sim_pins") == {"mobile": "4321"}
    page = owner.client.get("/lines/mobile").get_data(as_text=True)
    assert "4321" not in page
    assert "A PIN is kept for this SIM" in page
    assert "4321" not in str(owner.client.get("/api/lines/mobile", headers={
        "X-Api-Key": owner.API_KEY}).get_json())
    fields = form_of(owner, "/lines/mobile") | {"forget_pin": "yes"}
    owner.client.post("/lines/mobile", data=fields)
    assert store.setting("sim_pins") == {}


def test_a_bad_sim_pin_is_refused_beside_the_field_and_nothing_is_saved(owner, store):
    before = store.get("lines", "mobile")
    fields = form_of(owner, "/lines/mobile") | {"sim_pin": "12", "name": "Renamed"}
    reply = owner.client.post("/lines/mobile", data=fields)
    assert reply.status_code == 400
    assert 'id="err-sim_pin"' in reply.get_data(as_text=True)
    assert store.get("lines", "mobile") == before
    assert not store.setting("sim_pins")


def test_a_device_s_reason_is_said_in_the_owner_s_language(owner, engine, app):
    """A driver's reason (the modem's own sentence) reaches the Lines page and the live board
    in Spanish; the JSON API keeps the English the scripts read."""
    engine.post(LineStatus("mobile", online=False, error=True,
                           reason=lock_advice("PH-NET PIN")))
    engine.post(LineInfo("mobile", {"dialect": "quectel_ec25", "model": "EC25",
                                    "operator": "movistar", "registration": REGISTRATION_TEXT[5],
                                    "signal_dbm": -73}))
    pins = MockFactory()
    with DigitalOutputDevice(17, pin_factory=pins):         # something else holds RM's pin
        Handset("desk-1", HandsetPins(hook=27, ring_mode=17, forward_reverse=4),
                pin_factory=pins).start(engine.post)
    engine.settle()
    owner.client.set_cookie("switchboard_lang", "es")
    page = owner.client.get("/lines/").get_data(as_text=True)
    assert "El módem está bloqueado para otra red móvil (PH-NET PIN)" in page
    assert ("Modelo: EC25; Operador: movistar; Red: registrada (itinerancia); "
            "Señal (dBm): -73") in page                                # in Spanish too
    assert "dialect" not in page
    english = owner.client.get("/api/status").get_json()["lines"]
    assert next(x for x in english if x["id"] == "mobile")["reason"].startswith(
        "The modem is locked to another mobile network (PH-NET PIN)")
    with app.test_request_context(headers={"Cookie": "switchboard_lang=es"}):
        shown = board(appliance())
    lines, stations = shown["lines"], shown["stations"]
    assert next(x for x in lines if x["id"] == "mobile")["reason"].startswith(
        "El módem está bloqueado")
    assert next(x for x in stations if x["id"] == "desk-1")["reason"].startswith(
        "No se pudieron abrir los pines GPIO 27 (SHK), 17 (RM), 4 (F/R):")
