"""The menu page: a row per key, destinations, warnings, and the API's own validation."""

from __future__ import annotations

import pytest

from web.forms import target_choice, target_doc

from .forms import form_of

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def main_menu(seeded, store):
    store.create("menus", {"id": "main", "name": "Main", "prompt": {"text": "Press 1 for sales."},
                           "options": {"1": {"team": "sales"}}})
    store.patch("lines", "mobile", {"entry": {"team": None, "menu": "main"}})


@pytest.mark.usefixtures("main_menu")
def test_a_key_is_added_and_the_prompt_changed(owner, store):
    fields = form_of(owner, "/menus/main")
    assert fields["options.0.key"] == "1"
    assert fields["options.0.to"] == "team:sales"
    spare = next(i for i in range(5) if fields[f"options.{i}.to"] == "")
    fields |= {"prompt.text": "Pulse 1 para ventas o 2 para dejar un mensaje.",
               f"options.{spare}.to": "action:voicemail"}
    assert owner.client.post("/menus/main", data=fields).status_code == 302
    menu = store.get("menus", "main")
    key = fields[f"options.{spare}.key"]
    assert menu["prompt"] == {"text": "Pulse 1 para ventas o 2 para dejar un mensaje."}
    assert menu["options"][key]["action"] == "voicemail"
    assert menu["options"]["1"] == {"team": "sales"}


@pytest.mark.usefixtures("main_menu")
def test_an_empty_prompt_is_refused_beside_it_and_nothing_stored(owner, store):
    before = store.get("menus", "main")
    fields = form_of(owner, "/menus/main") | {"prompt.text": "", "retries": "9"}
    reply = owner.client.post("/menus/main", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="err-retries"' in page
    assert any(f'id="err-{key}"' in page for key in ("prompt-text", "prompt"))
    assert store.get("menus", "main") == before


@pytest.mark.usefixtures("main_menu")
def test_a_menu_with_many_options_shows_the_warning(owner, store):
    store.patch("menus", "main", {"options": {str(k): {"team": "sales"} for k in range(1, 8)}})
    assert "options" in owner.client.get("/menus/main").get_data(as_text=True).lower()
    assert owner.client.get("/menus/").status_code == 200


@pytest.mark.usefixtures("main_menu")
def test_deleting_a_menu_a_line_uses_is_refused_naming_the_line(owner, store):
    token = owner.form_token("/menus/main")
    page = owner.client.post("/menus/main/delete", data={"csrf_token": token},
                             follow_redirects=True).get_data(as_text=True)
    assert "Mobile" in page
    assert store.get("menus", "main")


def test_a_new_menu_from_the_form(owner, store):
    fields = form_of(owner, "/menus/new") | {"name": "After hours",
                                             "prompt.text": "Pulse 1.",
                                             "options.0.to": "team:sales"}
    assert owner.client.post("/menus/new", data=fields).status_code == 302
    assert store.get("menus", "after-hours")["options"] == {"1": {"team": "sales"}}


def test_target_choices_round_trip():
    for target in ({"team": "sales"}, {"menu": "sub"}, {"action": "hangup", "text": None},
                   {"action": "message", "text": "Bye."}):
        assert target_doc(target_choice(target), target.get("text") or "") == target
    assert target_doc("") is None
    assert target_choice(None) == ""
