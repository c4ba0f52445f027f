"""The setup guide through the test client: a working office, refusals beside the fields."""

from __future__ import annotations

from .forms import form_of


def test_the_guide_creates_hours_agents_a_team_and_leaves_what_it_does_not_ask(owner, store):
    store.create("stations", {"id": "desk-1", "name": "Desk 1"})
    store.create("stations", {"id": "desk-2", "name": "Desk 2"})
    fields = form_of(owner, "/welcome/") | {
        "office": "Taller Ruiz", "timezone": "America/Mexico_City", "country": "mx",
        "opens": "09:00", "closes": "19:00", "handset.0.agent": "Lupe",
        "handset.1.name": "Almacén"}
    assert owner.client.post("/welcome/", data=fields).status_code == 302
    hours = store.get("schedules", "office-hours")
    assert hours["timezone"] == "America/Mexico_City"
    assert hours["holidays"] == {"country": "MX", "subdivision": None}
    assert hours["weekly"]["fri"] == [["09:00", "19:00"]]
    assert hours["weekly"]["sat"] == []
    assert store.get("agents", "lupe")["station"] == "desk-1"
    assert store.get("stations", "desk-2")["name"] == "Almacén"
    assert store.get("teams", "everyone")["members"] == ["lupe"]
    assert store.setting("office_name") == "Taller Ruiz"
    assert "Taller Ruiz" in owner.client.get("/").get_data(as_text=True)


def test_the_guide_shows_mistakes_beside_its_own_fields_and_saves_nothing(owner, store):
    fields = form_of(owner, "/welcome/") | {"timezone": "Mars/Olympus", "country": "ZZ",
                                            "opens": "09:00", "closes": "09:00"}
    reply = owner.client.post("/welcome/", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    for field in ("timezone", "country", "opens"):
        assert f'id="err-{field}"' in page, field
    assert 'value="Mars/Olympus"' in page
    assert store.list("schedules") == []
    assert store.list("teams") == []
