"""Agents, handsets and teams on the page: forms, member order, warnings, refusals."""

from __future__ import annotations

import pytest

from web.teams import moved, team_doc

from .forms import form_fields, form_of

pytestmark = pytest.mark.usefixtures("seeded")


def test_the_people_page_warns_about_a_handset_nobody_answers_and_an_agent_without_one(
        owner, store):
    store.create("agents", {"id": "bea", "name": "Bea"})
    page = owner.client.get("/people/").get_data(as_text=True)
    assert "Ana answers here." in page                   # desk-1
    assert "Nobody answers here" in page                 # desk-2
    assert "Has no handset" in page                      # Bea
    assert "Teams: Sales." in page


def test_a_new_agent_is_seated_at_a_free_handset_only(owner, store):
    page = owner.client.get("/people/agents/new").get_data(as_text=True)
    assert 'value="desk-2"' in page
    assert 'value="desk-1"' not in page                  # Ana's
    fields = form_of(owner, "/people/agents/new") | {"name": "Bea", "station": "desk-2"}
    assert owner.client.post("/people/agents/new", data=fields).status_code == 302
    assert store.get("agents", "bea") == {"id": "bea", "name": "Bea", "station": "desk-2",
                                          "presence": "available"}


def test_an_agent_form_with_no_name_is_refused_beside_the_field(owner, store):
    fields = form_of(owner, "/people/agents/ana") | {"name": "", "presence": "away"}
    reply = owner.client.post("/people/agents/ana", data=fields)
    assert reply.status_code == 400
    assert 'id="err-name"' in reply.get_data(as_text=True)
    assert store.get("agents", "ana")["presence"] == "available"


def test_deleting_an_agent_in_a_team_is_refused_naming_the_team(owner, store):
    token = owner.form_token("/people/agents/ana")
    reply = owner.client.post("/people/agents/ana/delete", data={"csrf_token": token},
                              follow_redirects=True)
    assert "Sales" in reply.get_data(as_text=True)
    assert store.get("agents", "ana")


def test_a_handset_is_added_and_renamed(owner, store):
    fields = form_of(owner, "/people/handsets/new") | {"name": "Back office"}
    assert owner.client.post("/people/handsets/new", data=fields).status_code == 302
    fields = form_of(owner, "/people/handsets/back-office") | {"name": "Warehouse"}
    assert owner.client.post("/people/handsets/back-office", data=fields).status_code == 302
    assert store.get("stations", "back-office")["name"] == "Warehouse"


def test_adding_a_member_shows_the_new_order_unsaved_then_save_stores_it(owner, store):
    store.create("agents", {"id": "bea", "name": "Bea", "station": "desk-2"})
    fields = form_of(owner, "/teams/sales") | {"move": "add", "add_member": "bea"}
    reply = owner.client.post("/teams/sales", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Not saved yet" in page
    assert store.get("teams", "sales")["members"] == ["ana"]
    fields = form_fields(page, "/teams/sales") | {"move": "up:bea"}
    page = owner.client.post("/teams/sales", data=fields).get_data(as_text=True)
    fields = form_fields(page, "/teams/sales") | {"strategy": "linear"}
    assert owner.client.post("/teams/sales", data=fields).status_code == 302
    team = store.get("teams", "sales")
    assert (team["members"], team["strategy"]) == (["bea", "ana"], "linear")


def test_a_team_form_keeps_a_bad_number_as_typed_and_says_why(owner, store):
    fields = form_of(owner, "/teams/sales") | {"ring_timeout_s": "2", "max_queue": "many"}
    reply = owner.client.post("/teams/sales", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="err-ring_timeout_s"' in page
    assert 'id="err-max_queue"' in page
    assert 'value="many"' in page
    assert store.get("teams", "sales")["ring_timeout_s"] == 20


def test_overflow_to_another_team_is_stored_with_that_team(owner, store):
    store.create("teams", {"id": "backup", "name": "Backup"})
    fields = form_of(owner, "/teams/sales") | {"overflow.action": "team",
                                               "overflow.team": "backup"}
    assert owner.client.post("/teams/sales", data=fields).status_code == 302
    assert store.get("teams", "sales")["overflow"]["team"] == "backup"


def test_member_moves():
    assert moved(["a", "b", "c"], "up:c") == ["a", "c", "b"]
    assert moved(["a", "b", "c"], "down:a") == ["b", "a", "c"]
    assert moved(["a", "b", "c"], "up:a") == ["a", "b", "c"]
    assert moved(["a", "b"], "remove:a") == ["b"]
    assert moved(["a"], "add:b") == ["a", "b"]
    assert moved(["a"], "add:a") == ["a"]


def test_team_doc_turns_numbers_into_numbers_and_keeps_the_rest_as_typed():
    doc = team_doc({"name": "Sales", "members.0": "ana", "members.1": "", "ring_timeout_s": "30",
                    "max_wait_s": "-5", "max_queue": "ten", "overflow.action": "message",
                    "overflow.team": "x"})
    assert doc["members"] == ["ana"]
    assert (doc["ring_timeout_s"], doc["max_wait_s"], doc["max_queue"]) == (30, -5, "ten")
    assert doc["overflow"]["team"] is None       # only kept when passing to a team

