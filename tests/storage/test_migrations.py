"""Schema versions: files written before versions open, migrate once, and keep every document.

``data/config_v1.json`` was written by the store as it was before schema versions (the sample
office, a presence change, a renamed and a deleted station, two settings), so it is exactly
what boxes in the field have on disk.
"""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from appliance.config.durable import SCHEMA_VERSION, migrate, schema_of
from appliance.config.resources import KINDS
from appliance.config.store import ConfigStore, StoreTooNew
from appliance.ops.seed import SAMPLE_OFFICE

from .conftest import DATA

V1 = DATA / "config_v1.json"


def resources_of(raw: dict) -> dict[str, dict[str, dict]]:
    return {kind: {d["id"]: d for d in raw.get(kind, {}).values()} for kind in KINDS}


def test_a_version_1_file_from_the_old_store_migrates_and_keeps_everything(data_dir,
                                                                            open_store):
    shutil.copy(V1, data_dir / "config.json")
    before = json.loads(V1.read_text())
    store = open_store()
    assert store.schema_version == SCHEMA_VERSION == 2
    assert store.recovered is None
    for kind in KINDS:
        assert {d["id"] for d in store.list(kind)} == {d["id"] for d in SAMPLE_OFFICE[kind]}
    assert store.get("agents", "bruno")["presence"] == "away"
    assert store.get("stations", "desk-3")["name"] == "Back office"
    assert store.setting("password_hash") == "pbkdf2:sha256:600000$example$0123"
    assert store.setting("secret_key") == "0" * 64
    after = json.loads((data_dir / "config.json").read_text())
    callbacks_and_texts = {"channels": ["voice"], "callback_key": "1", "callback_tries": 3,
                           "callback_every_min": 10}     # team fields added since, defaulted
    expected = resources_of(before)
    expected["teams"] = {tid: t | callbacks_and_texts for tid, t in expected["teams"].items()}
    assert resources_of(after) == expected
    assert after["meta"]["1"]["schema"] == 2
    assert after["meta"]["1"]["migrated"][0]["from"] == 1
    assert (data_dir / "config.json.schema-1").read_bytes() == V1.read_bytes()
    assert (data_dir / "config.json.good").read_text() == (data_dir / "config.json").read_text()


def test_the_migrated_file_keeps_working_and_is_not_migrated_again(data_dir, open_store):
    shutil.copy(V1, data_dir / "config.json")
    store = open_store()
    store.create("stations", {"id": "desk-4", "name": "Desk 4"})
    store.close()
    migrated = (data_dir / "config.json").read_bytes()
    again = open_store()
    assert again.get("stations", "desk-4")["name"] == "Desk 4"
    assert (data_dir / "config.json").read_bytes() == migrated


def test_a_file_with_no_version_at_all_is_normalised_and_bad_documents_are_kept_aside(
        data_dir, open_store, caplog):
    old = {"stations": {"1": {"id": "s1", "name": "  Desk  "}},
           "teams": {"1": {"id": "t", "name": "T", "members": []},
                     "2": {"id": "broken", "name": "", "strategy": "random"}},
           "agents": {"1": {"name": "No id"}}}
    (data_dir / "config.json").write_text(json.dumps(old))
    with caplog.at_level(logging.ERROR):
        store = open_store()
    assert store.get("stations", "s1") == {"id": "s1", "name": "Desk"}
    assert [t["id"] for t in store.list("teams")] == ["t"]
    on_disk = json.loads((data_dir / "config.json").read_text())
    team = next(iter(on_disk["teams"].values()))
    assert team == store.get("teams", "t")        # defaults of the fields added since, filled in
    assert (team["strategy"], team["ring_timeout_s"], "announce" in team) == ("ring_all", 20, True)
    assert on_disk["stations"]["1"]["name"] == "Desk"
    parked = {(q["kind"], q["doc"].get("id")) for q in on_disk["quarantine"].values()}
    assert parked == {("teams", "broken"), ("agents", None)}
    assert sum("quarantine" in r.message for r in caplog.records) == 2


def test_an_explicit_version_1_file_migrates_too(data_dir, open_store):
    (data_dir / "config.json").write_text(json.dumps(
        {"meta": {"1": {"schema": 1}}, "stations": {"1": {"id": "s1", "name": "Desk"}}}))
    assert open_store().schema_version == 2


def test_an_empty_object_is_a_version_1_file_with_nothing_in_it(data_dir, open_store):
    (data_dir / "config.json").write_text("{}")
    store = open_store()
    assert store.is_empty()
    assert store.schema_version == 2


def test_a_file_from_a_newer_switchboard_is_refused_untouched(data_dir):
    raw = json.dumps({"meta": {"1": {"schema": 99}}, "stations": {}})
    (data_dir / "config.json").write_text(raw)
    with pytest.raises(StoreTooNew, match="newer Switchboard"):
        ConfigStore(data_dir / "config.json")
    assert (data_dir / "config.json").read_text() == raw
    ConfigStore(data_dir / "draft.json").close()   # the refused open released its lock


def test_migrate_is_ordered_and_leaves_current_files_alone():
    current = {"meta": {"1": {"schema": SCHEMA_VERSION}}}
    assert migrate(current) is current
    assert schema_of({}) == 1
    assert schema_of(migrate({})) == SCHEMA_VERSION
