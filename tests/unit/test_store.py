"""The config store: validation with field errors, references, atomic writes, damage."""

from __future__ import annotations

import json
import os

import pytest

from appliance.config.store import ConfigStore, StoreCorrupt
from appliance.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def store(tmp_path):
    s = ConfigStore(tmp_path / "config.json")
    yield s
    s.close()


def on_disk(path) -> dict:
    return json.loads(path.read_text())


def test_create_generates_a_readable_id_and_fills_defaults(store):
    team = store.create("teams", {"name": "Sales Team"})
    assert team["id"] == "sales-team"
    assert (team["strategy"], team["ring_timeout_s"], team["members"]) == ("ring_all", 20, [])
    assert store.create("teams", {"name": "Sales Team"})["id"] == "sales-team-2"


def test_bad_input_lists_every_field_and_stores_nothing(store, tmp_path):
    with pytest.raises(ValidationError) as err:
        store.create("teams", {"name": "", "strategy": "random", "ring_timeout_s": "20",
                               "max_wait_s": -1, "members": "ana"})
    assert set(err.value.fields) == {"name", "strategy", "ring_timeout_s", "max_wait_s", "members"}
    assert store.list("teams") == []
    assert not (tmp_path / "config.json").exists() or on_disk(tmp_path / "config.json").get(
        "teams", {}) == {}


@pytest.mark.parametrize(("doc", "field"), [
    ({"name": "x", "weekly": {"mon": [["09:00", "25:00"]]}}, "weekly.mon.0"),
    ({"name": "x", "weekly": {"mon": [["09:00", "09:00"]]}}, "weekly.mon.0"),
    ({"name": "x", "weekly": {"mon": [["24:00", "09:00"]]}}, "weekly.mon.0"),
    ({"name": "x", "weekly": {"monday": []}}, "weekly"),
    ({"name": "x", "timezone": "Mars/Olympus"}, "timezone"),
    ({"name": "x", "holidays": {"country": "XX"}}, "holidays.country"),
    ({"name": "x", "holidays": {"country": "ES", "subdivision": "ZZ"}}, "holidays.subdivision"),
    ({"name": "x", "closed_dates": ["2026-13-01"]}, "closed_dates.0"),
    ({"name": "x", "special": [{"date": "2026-12-31", "intervals": [["9", "13"]]}]},
     "special.0.intervals.0"),
    ({"name": "x", "closed_action": {"action": "team", "team": "t"}}, "closed_action.action"),
])
def test_schedule_validation(store, doc, field):
    with pytest.raises(ValidationError) as err:
        store.create("schedules", doc)
    assert field in err.value.fields


def test_valid_schedule_round_trips_in_the_contract_shape(store):
    doc = {"name": "Office", "timezone": "America/Argentina/Buenos_Aires",
           "weekly": {"mon": [["09:00", "14:00"], ["16:00", "19:00"]], "fri": [["22:00", "06:00"]],
                      "sat": [["10:00", "24:00"]]},
           "holidays": {"country": "AR"}, "closed_dates": ["2026-12-24"],
           "special": [{"date": "2026-12-31", "intervals": [["09:00", "13:00"]]}],
           "closed_action": {"action": "voicemail", "text": "Leave a message."}}
    saved = store.create("schedules", doc)
    assert saved["weekly"]["mon"] == [["09:00", "14:00"], ["16:00", "19:00"]]
    assert saved["weekly"]["sat"] == [["10:00", "24:00"]]
    assert saved["weekly"]["sun"] == []
    assert saved["holidays"] == {"country": "AR", "subdivision": None}
    assert store.get("schedules", "office") == saved


def test_references_must_exist(store):
    with pytest.raises(ValidationError) as err:
        store.create("teams", {"name": "T", "members": ["ghost"],
                               "overflow": {"action": "team", "team": "nowhere"}})
    assert err.value.fields == {"members.0": "No agent with id 'ghost'.",
                                "overflow.team": "No team with id 'nowhere'."}
    with pytest.raises(ValidationError) as err:
        store.create("lines", {"name": "L", "entry": {"menu": "nope"}, "schedule": "nope"})
    assert set(err.value.fields) == {"entry", "schedule"}


def test_a_team_s_overflow_to_a_team_is_written_as_elsewhere_and_never_to_a_menu(store):
    """{"team": id} is how a line or a menu names a team; as an overflow it was accepted and
    then ignored by the core (callers heard the busy message), so it now means the team."""
    store.create("teams", {"id": "backup", "name": "Backup"})
    team = store.create("teams", {"id": "t", "name": "T", "overflow": {"team": "backup"}})
    assert team["overflow"]["action"] == "team"
    assert team["overflow"]["team"] == "backup"
    store.create("menus", {"id": "m", "name": "M", "prompt": {"text": "Hi"}, "options": {}})
    with pytest.raises(ValidationError) as err:
        store.create("teams", {"id": "u", "name": "U", "overflow": {"menu": "m"}})
    assert "overflow.menu" in err.value.fields


def test_line_needs_exactly_one_entry(store):
    store.create("teams", {"id": "t", "name": "T"})
    with pytest.raises(ValidationError) as err:
        store.create("lines", {"name": "L"})
    assert "entry" in err.value.fields
    with pytest.raises(ValidationError) as err:
        store.create("lines", {"name": "L", "entry": {"team": "t", "menu": "m"}})
    assert "entry" in err.value.fields


def test_menu_reserves_zero_and_star(store):
    store.create("teams", {"id": "t", "name": "T"})
    with pytest.raises(ValidationError) as err:
        store.create("menus", {"name": "M", "prompt": {"text": "Hi"},
                               "options": {"0": {"team": "t"}, "*": {"team": "t"},
                                           "12": {"team": "t"}}})
    assert set(err.value.fields) == {"options.0", "options.*", "options.12"}


def test_a_station_serves_one_agent(store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    store.create("agents", {"id": "a", "name": "A", "station": "s1"})
    with pytest.raises(ValidationError) as err:
        store.create("agents", {"id": "b", "name": "B", "station": "s1"})
    assert err.value.fields == {"station": "Station already used by agent 'A'."}


def test_update_changes_only_given_fields_and_keeps_the_id(store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    assert store.patch("stations", "s1", {"name": "Front"}) == {"id": "s1", "name": "Front"}
    with pytest.raises(ValidationError):
        store.patch("stations", "s1", {"id": "s2"})
    with pytest.raises(NotFound):
        store.patch("stations", "nope", {"name": "x"})


def test_delete_refuses_what_is_in_use(store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    store.create("agents", {"id": "a", "name": "Ana", "station": "s1"})
    with pytest.raises(Conflict, match="agent 'Ana'"):
        store.delete("stations", "s1")
    store.delete("agents", "a")
    store.delete("stations", "s1")
    assert store.list("stations") == []


def test_duplicate_id_conflicts(store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    with pytest.raises(Conflict):
        store.create("stations", {"id": "s1", "name": "Other"})


def test_listeners_get_each_new_config(store):
    seen = []
    store.subscribe(seen.append)
    store.create("stations", {"id": "s1", "name": "Desk"})
    store.patch("stations", "s1", {"name": "Front"})
    assert [c.stations["s1"].name for c in seen] == ["Desk", "Front"]


def test_changes_survive_reopening(tmp_path, store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    store.set_setting("password_hash", "x")
    store.close()
    again = ConfigStore(tmp_path / "config.json")
    assert again.get("stations", "s1")["name"] == "Desk"
    assert again.setting("password_hash") == "x"
    again.close()


def test_writes_replace_the_file_atomically(tmp_path, store, mocker):
    store.create("stations", {"id": "s1", "name": "Desk"})
    replace = mocker.spy(os, "replace")
    fsync = mocker.spy(os, "fsync")
    store.patch("stations", "s1", {"name": "Front"})
    assert replace.call_count == 1
    assert replace.call_args.args[1] == tmp_path / "config.json"
    assert fsync.call_count >= 2          # the new file, then the directory
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, store, mocker):
    store.create("stations", {"id": "s1", "name": "Desk"})
    before = (tmp_path / "config.json").read_bytes()
    mocker.patch("os.replace", side_effect=OSError(28, "No space left on device"))
    with pytest.raises(OSError, match="No space"):
        store.create("stations", {"id": "s2", "name": "Other"})
    assert (tmp_path / "config.json").read_bytes() == before
    assert not list(tmp_path.glob(".tmp-*"))


def test_stale_temp_files_are_removed_at_start(tmp_path, store):
    store.close()
    (tmp_path / ".tmp-config.jsonabc").write_text("{")
    ConfigStore(tmp_path / "config.json").close()
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_damaged_file_without_a_good_copy_is_reported_not_replaced(tmp_path, store):
    store.create("stations", {"id": "s1", "name": "Desk"})
    store.close()
    (tmp_path / "config.json.good").unlink()
    (tmp_path / "config.json").write_text('{"stations": {"1": {"id": "s1"')
    with pytest.raises(StoreCorrupt, match="damaged"):
        ConfigStore(tmp_path / "config.json")
    assert (tmp_path / "config.json").read_text().startswith('{"stations"')


def test_audio_ids_must_be_uploaded_when_a_library_is_attached(store):
    store.audio_ids = lambda: {"jazz"}
    store.create("teams", {"id": "t", "name": "T", "hold_audio": "jazz"})
    with pytest.raises(ValidationError) as err:
        store.patch("teams", "t", {"hold_audio": "missing"})
    assert err.value.fields == {
        "hold_audio": "No uploaded audio with id 'missing'; upload it first (/api/audio)."}
    with pytest.raises(ValidationError) as err:
        store.create("menus", {"name": "M", "prompt": {"audio": "nope"}})
    assert set(err.value.fields) == {"prompt.audio"}
    assert store.get("teams", "t")["hold_audio"] == "jazz"


def test_a_draft_refuses_audio_the_library_lacks_and_nothing_missing_goes_live(store):
    """Drafts check uploads as the live store does; a version naming audio deleted since is
    refused before anything is kept or written."""
    library = {"jazz"}
    store.audio_ids = lambda: set(library)
    store.create("teams", {"id": "t", "name": "T", "hold_audio": "jazz"})
    versions = store.versions
    with pytest.raises(ValidationError) as err:
        versions.draft().patch("teams", "t", {"hold_audio": "missing"})
    assert set(err.value.fields) == {"hold_audio"}
    kept = versions.publish("with jazz")
    store.patch("teams", "t", {"hold_audio": None})
    library.clear()                                       # the upload was deleted since
    count = len(versions.versions())
    with pytest.raises(ValidationError) as err:
        versions.restore(kept)
    assert set(err.value.fields) == {"teams.t.hold_audio"}
    assert store.get("teams", "t")["hold_audio"] is None
    assert len(versions.versions()) == count              # nothing kept for a refused restore
