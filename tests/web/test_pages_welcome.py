"""The setup guide through the test client: a working office, refusals beside the fields."""

from __future__ import annotations

from appliance.ops.settings import load_settings
from hardware.real import RealHardware

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


INSTALLED = """\
data_dir = "/var/lib/switchboard"
[[lines]]
id = "line-1"
device = "/dev/serial/by-id/usb-SimTech__Incorporated_SimTech__Incorporated_0123-if02-port0"
dialect = "auto"
[[lines]]
id = "line-2"
device = "/dev/serial/by-id/usb-Quectel_EC25_0000-if02-port0"
dialect = "auto"
[[handsets]]
station = "desk-1"
hook = 27
ring_mode = 17
forward_reverse = 4
[[handsets]]
station = "desk-2"
hook = 23
ring_mode = 22
forward_reverse = 5
"""


def test_the_guide_sets_up_what_the_settings_file_wires(owner, store, engine, tmp_path,
                                                        monkeypatch):
    """A fresh box: the installer's settings file names line-1, line-2, desk-1 and desk-2; the
    page says they are not set up until the guide creates them with those ids."""
    path = tmp_path / "switchboard.toml"
    path.write_text(INSTALLED)
    wired = RealHardware(load_settings(path), None, tmp_path).wired()
    monkeypatch.setattr(engine.hardware, "wired", lambda: wired)
    unset = [w for w in owner.client.get("/api/status").get_json()["warnings"]
             if "The settings file wires" in w]
    assert len(unset) == 4
    assert "line 'line-1'" in unset[0]
    assert "handset or phone 'desk-2'" in unset[3]

    fields = form_of(owner, "/welcome/") | {"office": "Taller Ruiz", "handset.0.agent": "Lupe",
                                            "handset.1.agent": "Paco"}
    assert owner.client.post("/welcome/", data=fields).status_code == 302
    for line_id in ("line-1", "line-2"):
        line = store.get("lines", line_id)
        assert line["entry"] == {"team": "everyone"}
        assert line["schedule"] == "office-hours"
    assert [a["station"] for a in store.list("agents")] == ["desk-1", "desk-2"]
    assert store.get("teams", "everyone")["members"] == ["lupe", "paco"]
    warnings = owner.client.get("/api/status").get_json()["warnings"]
    assert not [w for w in warnings if "The settings file wires" in w]
