"""The config file survives a full card, killed writers, damage and a second writer."""

from __future__ import annotations

import errno
import json
import logging
import os
import time

import pytest

from appliance.config.store import ConfigStore, DiskFull, StoreCorrupt, StoreLocked
from appliance.errors import ApplianceError

ENOSPC = OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("call", ["os.write", "os.fsync", "os.replace"])
def test_a_full_card_fails_clearly_and_keeps_the_stored_file(office, data_dir, mocker, call):
    before = (data_dir / "config.json").read_bytes()
    mocker.patch(call, side_effect=ENOSPC)
    with pytest.raises(DiskFull) as err:
        office.create("stations", {"id": "s9", "name": "New desk"})
    mocker.stopall()
    assert isinstance(err.value, ApplianceError)
    assert err.value.status == 507
    assert err.value.message.startswith("The SD card is full: ")
    assert "Nothing was changed" in err.value.message
    assert (data_dir / "config.json").read_bytes() == before
    assert not list(data_dir.glob(".tmp-*"))
    with pytest.raises(Exception, match="No station"):
        office.get("stations", "s9")
    office.patch("stations", "desk-1", {"name": "Room for it again"})   # and it recovers


def test_a_full_card_keeps_settings_too(store, data_dir, mocker):
    store.set_setting("password_hash", "old")
    mocker.patch("os.replace", side_effect=ENOSPC)
    with pytest.raises(DiskFull):
        store.set_setting("password_hash", "new")
    mocker.stopall()
    assert store.setting("password_hash") == "old"


def test_stale_temp_files_of_the_config_and_its_good_copy_are_removed(office, data_dir,
                                                                      open_store):
    office.close()
    for name in (".tmp-config.jsonx1", ".tmp-config.json.goodx2", ".tmp-versions.jsony"):
        (data_dir / name).write_text("{")
    again = open_store()
    again.versions.versions()
    assert not list(data_dir.glob(".tmp-*"))


def test_a_good_copy_is_kept_at_each_open_and_at_most_daily_after_writes(office, data_dir,
                                                                        open_store):
    good, live = data_dir / "config.json.good", data_dir / "config.json"
    first = good.read_bytes()                          # the sample's first write kept one
    assert b"desk-1" in first
    assert first != live.read_bytes()                  # not at every write: SD wear
    day_old = time.time() - 25 * 3600
    os.utime(good, (day_old, day_old))
    office.patch("stations", "desk-1", {"name": "A day later"})
    assert good.read_bytes() == live.read_bytes()
    office.patch("stations", "desk-1", {"name": "Later that day"})
    office.close()
    open_store()
    assert good.read_bytes() == live.read_bytes()      # and at each clean open


def test_a_box_set_up_once_and_damaged_before_any_restart_starts(data_dir, open_store):
    """A new box's first writes keep a good copy, so damage before its first restart is
    recovered from them instead of refusing to start."""
    store = open_store()
    store.set_setting("password_hash", "scrypt$...")
    store.create("stations", {"id": "desk-1", "name": "Front desk"})
    store.close()
    (data_dir / "config.json").write_bytes(b'{"stations": {"1": {"id": "desk-1", "na')
    again = open_store()
    assert "started from the last good copy" in again.recovered
    assert again.setting("password_hash") == "scrypt$..."


def _damage_after_a_good_open(office, data_dir, open_store, damage: bytes) -> None:
    office.close()
    open_store().close()                       # a clean start keeps a good copy
    (data_dir / "config.json").write_bytes(damage)


@pytest.mark.parametrize(("damage", "why"), [
    (b'{"stations": {"1": {"id": "desk-1", "na', "not readable JSON"),
    (bytes(range(256)) * 4, "not readable JSON"),
    (b"", "empty file"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"stations": [1]}', "table 'stations'"),
])
def test_a_damaged_file_starts_from_the_last_good_copy_and_says_so(
        office, data_dir, open_store, caplog, damage, why):
    _damage_after_a_good_open(office, data_dir, open_store, damage)
    with caplog.at_level(logging.ERROR):
        store = open_store()
    assert store.get("stations", "desk-1")["name"] == "Front desk"
    assert store.recovered is not None
    assert store.recovered.startswith("The configuration file was damaged")
    assert why in store.recovered
    assert "started from the last good copy from" in store.recovered
    kept = list(data_dir.glob("config.json.damaged-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == damage
    assert kept[0].name in store.recovered
    assert any(r.levelno == logging.ERROR and "damaged" in r.message for r in caplog.records)
    store.close()
    assert open_store().recovered is None      # the next start is a normal one


def test_a_missing_file_beside_a_good_copy_is_not_a_silent_empty_start(office, data_dir,
                                                                       open_store):
    office.close()
    open_store().close()
    (data_dir / "config.json").unlink()
    store = open_store()
    assert "it was missing" in store.recovered
    assert len(store.list("agents")) == 3


def test_damage_without_a_good_copy_refuses_to_start_and_touches_nothing(office, data_dir):
    office.close()
    (data_dir / "config.json.good").unlink()
    (data_dir / "config.json").write_bytes(b"\x00\x00garbage")
    with pytest.raises(StoreCorrupt, match=r"damaged.*no usable last good copy"):
        ConfigStore(data_dir / "config.json")
    assert (data_dir / "config.json").read_bytes() == b"\x00\x00garbage"
    assert not list(data_dir.glob("config.json.damaged-*"))


def test_a_damaged_good_copy_is_no_good_copy(office, data_dir, open_store):
    _damage_after_a_good_open(office, data_dir, open_store, b"{")
    (data_dir / "config.json.good").write_bytes(b"}")
    with pytest.raises(StoreCorrupt):
        ConfigStore(data_dir / "config.json")


def test_one_writer_a_second_store_on_the_same_file_is_refused(store, data_dir, open_store):
    with pytest.raises(StoreLocked, match="in use by another Switchboard"):
        ConfigStore(data_dir / "config.json")
    store.close()
    open_store().close()                       # closing released the lock


def test_close_is_safe_twice(store):
    store.close()
    store.close()


def test_documents_on_disk_are_the_contract_shapes_and_carry_the_schema(office, data_dir):
    on_disk = json.loads((data_dir / "config.json").read_text())
    assert on_disk["meta"] == {"1": {"schema": 2}}
    assert sorted(d["id"] for d in on_disk["agents"].values()) == ["ana", "bruno", "carla"]


def test_a_new_store_writes_its_schema_at_once(store, data_dir):
    assert json.loads((data_dir / "config.json").read_text()) == {"meta": {"1": {"schema": 2}}}
    assert store.schema_version == 2
    assert store.path == data_dir / "config.json"
    assert os.stat(data_dir / "config.json").st_size > 0
