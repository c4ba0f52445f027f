"""Design rule 9: publish versions, restore one, keep the last 10; try changes in a draft."""

from __future__ import annotations

import json
import os

import pytest

from appliance.config.versions import KEEP, Level
from appliance.errors import NotFound, ValidationError


def test_publish_lists_versions_newest_first_with_counts(office):
    versions = office.versions
    first = versions.publish("Opening day")
    office.patch("stations", "desk-1", {"name": "Reception desk"})
    second = versions.publish()
    listed = versions.versions()
    assert [v.id for v in listed] == [second, first] == [2, 1]
    assert listed[1].note == "Opening day"
    assert listed[1].counts == {"teams": 1, "agents": 3, "stations": 3, "lines": 2,
                                "schedules": 1, "menus": 1}
    assert listed[0].published_at >= listed[1].published_at
    assert listed[0].to_dict()["counts"]["lines"] == 2


def test_versions_hold_resources_never_settings(office, data_dir):
    office.set_setting("password_hash", "secret-hash")
    office.versions.publish("v")
    raw = (data_dir / "versions.json").read_text()
    assert "secret-hash" not in raw
    assert set(json.loads(raw)["versions"][0]["resources"]) == {
        "teams", "agents", "stations", "lines", "schedules", "menus"}


def test_only_the_last_ten_are_kept_and_ids_keep_growing(office):
    for n in range(1, 13):
        office.patch("stations", "desk-1", {"name": f"Desk v{n}"})
        office.versions.publish(f"v{n}")
    ids = [v.id for v in office.versions.versions()]
    assert len(ids) == KEEP == 10
    assert ids == list(range(12, 2, -1))
    with pytest.raises(NotFound, match="only the last 10"):
        office.versions.restore(1)


def test_restore_is_one_atomic_write_and_one_notification(office, data_dir, mocker):
    vid = office.versions.publish("good")
    office.patch("stations", "desk-1", {"name": "Oops"})
    office.delete("lines", "line-2")
    seen = []
    office.subscribe(seen.append)
    replace = mocker.spy(os, "replace")
    info = office.versions.restore(vid)
    config_writes = [c for c in replace.call_args_list if c.args[1] == data_dir / "config.json"]
    assert len(config_writes) == 1
    assert len(seen) == 1
    assert info.id == vid
    assert office.get("stations", "desk-1")["name"] == "Front desk"
    assert office.get("lines", "line-2")["entry"] == {"team": "reception"}
    assert seen[0].lines["line-2"].name == "Second SIM"


def test_restore_first_records_an_unpublished_live_configuration(office):
    vid = office.versions.publish("good")
    office.patch("stations", "desk-1", {"name": "Unpublished work"})
    office.versions.restore(vid)
    newest = office.versions.versions()[0]
    assert newest.note == f"Automatic: the configuration before restoring version {vid}"
    office.versions.restore(newest.id)                   # so the restore can be undone
    assert office.get("stations", "desk-1")["name"] == "Unpublished work"


def test_restore_keeps_live_presence_and_settings(office):
    vid = office.versions.publish("everyone available")
    office.set_presence("ana", "away")
    office.set_setting("password_hash", "changed-later")
    office.patch("stations", "desk-2", {"name": "Renamed"})
    office.versions.restore(vid)
    assert office.get("agents", "ana")["presence"] == "away"
    assert office.setting("password_hash") == "changed-later"
    assert office.get("stations", "desk-2")["name"] == "Desk 2"


def test_an_invalid_version_is_refused_and_nothing_changes(office, data_dir):
    vid = office.versions.publish("v")
    raw = json.loads((data_dir / "versions.json").read_text())
    raw["versions"][0]["resources"]["teams"][0]["members"] = ["ghost"]
    (data_dir / "versions.json").write_text(json.dumps(raw))
    before = (data_dir / "config.json").read_bytes()
    with pytest.raises(ValidationError) as err:
        office.versions.restore(vid)
    assert err.value.fields == {"teams.reception.members.0": "No agent with id 'ghost'."}
    assert (data_dir / "config.json").read_bytes() == before


def test_replace_resources_validates_everything_before_writing(office, data_dir):
    snapshot = office.snapshot()
    snapshot["agents"].append({"id": "dup", "name": "Dup", "station": "desk-1"})
    snapshot["lines"][0]["schedule"] = "nowhere"
    before = (data_dir / "config.json").read_bytes()
    with pytest.raises(ValidationError) as err:
        office.replace_resources(snapshot)
    assert set(err.value.fields) == {"agents.dup.station", "lines.line-1.schedule"}
    assert (data_dir / "config.json").read_bytes() == before


def test_a_damaged_versions_file_is_kept_aside_not_overwritten(office, data_dir):
    (data_dir / "versions.json").write_text("{not json")
    assert office.versions.versions() == []
    assert [p.read_text() for p in data_dir.glob("versions.json.damaged-*")] == ["{not json"]
    assert office.versions.publish("fresh") == 1


# -- the draft ----------------------------------------------------------------------------------


def test_a_draft_starts_as_a_copy_and_edits_do_not_touch_live(office, data_dir):
    draft = office.versions.draft()
    assert draft.snapshot() == office.snapshot()
    draft.patch("stations", "desk-1", {"name": "Draft name"})
    draft.create("stations", {"id": "desk-4", "name": "New desk"})
    assert office.get("stations", "desk-1")["name"] == "Front desk"
    assert (data_dir / "draft.json").exists()
    with pytest.raises(ValidationError):                 # the same validation as live
        draft.create("agents", {"name": "Eve", "station": "desk-1"})


def test_draft_check_reports_menu_warnings_and_a_moved_live_configuration(office):
    versions = office.versions
    assert versions.draft_check() == []                  # no draft: the live one, untouched
    assert not versions.has_draft()
    draft = versions.draft()
    main = draft.get("menus", "main")
    draft.update("menus", "main", main | {"options": {str(k): {"team": "reception"}
                                                       for k in range(1, 8)}})
    problems = versions.draft_check()
    assert all(p.level == Level.WARNING for p in problems)
    assert any(p.where == "menus.main" and "options" in p.message for p in problems)
    assert not any(p.where == "draft" for p in problems)
    office.patch("stations", "desk-2", {"name": "Changed live meanwhile"})
    assert any(p.where == "draft" for p in versions.draft_check())
    assert versions.draft_check()[0].to_dict()["level"] == "warning"


def test_publish_draft_makes_it_live_records_a_version_and_ends_the_draft(office, data_dir):
    versions = office.versions
    versions.draft().patch("stations", "desk-1", {"name": "From the draft"})
    seen = []
    office.subscribe(seen.append)
    vid = versions.publish_draft("tried first")
    assert office.get("stations", "desk-1")["name"] == "From the draft"
    assert len(seen) == 1
    assert versions.versions()[0].id == vid
    assert versions.versions()[0].note == "tried first"
    assert not versions.has_draft()
    assert not (data_dir / "draft.json").exists()
    with pytest.raises(NotFound):
        versions.publish_draft()
    assert versions.draft().get("stations", "desk-1")["name"] == "From the draft"


def test_a_draft_survives_a_restart_and_can_be_discarded(office, data_dir, open_store):
    office.versions.draft().patch("stations", "desk-1", {"name": "Half done"})
    office.close()
    again = open_store()
    assert again.versions.has_draft()
    assert again.versions.draft().get("stations", "desk-1")["name"] == "Half done"
    again.versions.discard_draft()
    assert not again.versions.has_draft()
    assert sorted(p.name for p in data_dir.glob("draft*")) == []


def test_notes_are_short_texts(office):
    with pytest.raises(ValidationError, match="not valid"):
        office.versions.publish("x" * 201)
