"""Backup and restore: a faithful round trip, and every kind of bad archive refused whole."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.config.store import ConfigStore, StoreLocked
from appliance.core.clock import ManualClock
from appliance.errors import ApplianceError
from appliance.ops import archive as archive_format
from appliance.ops.archive import BackupRejected
from appliance.ops.assembly import build_simulated
from appliance.ops.backup import (
    apply_pending_restore,
    make_backup,
    restore_backup,
    restored_note,
    stage_restore,
)
from appliance.ops.cli import main

CALLS = 120


@pytest.fixture
def filled(office: ConfigStore, data_dir: Path):
    """An office with call history (still in SQLite's WAL), uploads, voicemail and caches."""
    office.set_setting("password_hash", "hash-of-the-owner")
    db = sqlite3.connect(data_dir / "history.sqlite3")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE calls (id TEXT PRIMARY KEY, caller TEXT, seconds REAL)")
    with db:
        db.executemany("INSERT INTO calls VALUES (?, ?, ?)",
                       [(f"c{n}", f"+3460000{n:04d}", n / 3) for n in range(CALLS)])
    for name, data in {"audio/index.json": b'{"items": []}', "audio/hold.pcm": os.urandom(5000),
                       "audio/hold.wav": os.urandom(3000), "recordings/vm-1.wav": os.urandom(4000),
                       "speech/cache.pcm": b"regenerable", "audio/.tmp-upload": b"partial",
                       "refused-pins": b"0123abcd\n"}.items():
        (data_dir / name).parent.mkdir(exist_ok=True)
        (data_dir / name).write_bytes(data)
    yield office, db
    db.close()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM calls ORDER BY id").fetchall()
    finally:
        db.close()


def test_backup_wipe_restore_gives_back_config_history_audio_and_voicemail(filled, data_dir,
                                                                           tmp_path, open_store):
    store, db = filled
    archive = tmp_path / "backup.tar.gz"
    files = make_backup(data_dir, archive, store=store)
    assert {f.path for f in files} == {"config.json", "history.sqlite3", "audio/index.json",
                                       "audio/hold.pcm", "audio/hold.wav", "recordings/vm-1.wav"}
    before = {"config": store.snapshot(), "history": rows(data_dir / "history.sqlite3"),
              "files": {k: v for k, v in tree(data_dir).items()
                        if k.startswith(("audio/", "recordings/")) and ".tmp-" not in k}}
    db.close()
    store.close()
    shutil.rmtree(data_dir)

    report = restore_backup(archive, data_dir)

    assert report.resources == {"teams": 1, "agents": 3, "stations": 3, "lines": 2,
                                "schedules": 1, "menus": 1}
    assert (report.calls, report.audio_files, report.recordings) == (CALLS, 3, 1)
    assert rows(data_dir / "history.sqlite3") == before["history"]
    assert {k: v for k, v in tree(data_dir).items()
            if k.startswith(("audio/", "recordings/"))} == before["files"]
    assert not (data_dir / "speech").exists()
    assert apply_pending_restore(data_dir) is None    # restored at once: nothing left pending
    again = open_store()
    assert again.snapshot() == before["config"]
    assert again.setting("password_hash") is None    # never in a backup: a wiped box asks anew
    assert again.recovered is None


def test_backing_up_a_stopped_appliance_leaves_no_sqlite_side_files(filled, data_dir):
    store, db = filled
    db.close()                                            # a clean close removes the WAL
    assert not list(data_dir.glob("history.sqlite3-*"))
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=store)
    assert not list(data_dir.glob("history.sqlite3-*"))
    restored = members(buf.getvalue())["history.sqlite3"]
    assert restored[18:20] == b"\x01\x01"                  # rollback journal, not WAL, mode


def test_an_unreadable_history_makes_no_backup(office, data_dir, tmp_path):
    (data_dir / "history.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ApplianceError, match=r"call history .* could not be read"):
        make_backup(data_dir, tmp_path / "b.tar.gz", store=office)
    assert not list(tmp_path.glob("*b.tar.gz*"))


def test_the_archive_has_a_manifest_with_checksums_and_nothing_else(filled, data_dir):
    store, _ = filled
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=store)
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue()), mode="r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        for entry in manifest["files"]:
            data = tar.extractfile(entry["path"]).read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"],
                                                                     entry["sha256"])
    assert names[-1] == "manifest.json"
    assert (manifest["format"], manifest["format_version"]) == ("switchboard-backup", 1)
    assert manifest["created_at"]
    assert manifest["app_version"]
    assert not [n for n in names if n.startswith("speech") or ".tmp-" in n or "pins" in n]


def test_a_restore_over_existing_data_keeps_the_previous_state_and_the_box_s_own_files(
        filled, data_dir, tmp_path, open_store):
    store, db = filled
    archive = tmp_path / "backup.tar.gz"
    make_backup(data_dir, archive, store=store)
    store.patch("stations", "desk-1", {"name": "Changed after the backup"})
    with db:
        db.execute("INSERT INTO calls VALUES ('late', '+34', 1)")
    db.close()
    store.close()
    report = restore_backup(archive, data_dir)
    previous = Path(report.previous)
    assert previous.parent == data_dir
    assert previous.name.startswith(".previous-")
    assert "Changed after the backup" in (previous / "config.json").read_text()
    assert ("late", "+34", 1.0) in rows(previous / "history.sqlite3")
    assert ("late", "+34", 1.0) not in rows(data_dir / "history.sqlite3")
    assert not list(data_dir.glob("history.sqlite3-*"))   # the old WAL went with the old history
    assert (data_dir / "refused-pins").read_bytes() == b"0123abcd\n"
    assert (data_dir / "speech" / "cache.pcm").exists()
    assert open_store().get("stations", "desk-1")["name"] == "Front desk"


def test_restore_is_refused_while_the_appliance_runs(office, data_dir, tmp_path):
    archive = tmp_path / "b.tar.gz"
    make_backup(data_dir, archive, store=office)
    with pytest.raises(StoreLocked, match="in use"):
        restore_backup(archive, data_dir)
    assert not list(data_dir.glob(".restore*"))


# -- staged restores (the web page) -------------------------------------------------------------


def test_a_staged_restore_waits_for_the_next_start(office, data_dir, open_store):
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=office)
    office.patch("stations", "desk-1", {"name": "Live until restart"})
    buf.seek(0)
    report = stage_restore(buf, data_dir, store=office)
    assert report.resources["stations"] == 3
    assert office.get("stations", "desk-1")["name"] == "Live until restart"
    assert (data_dir / ".restore-pending" / "manifest.json").exists()
    office.close()
    applied = apply_pending_restore(data_dir)        # what the next start does first
    assert applied.startswith("Switchboard started from the backup uploaded on")
    now = time.time()
    assert restored_note(data_dir, now) == applied   # for the page, across restarts
    assert restored_note(data_dir, now) == applied
    assert restored_note(data_dir, now + 8 * 24 * 3600) is None     # a week later: forgotten
    assert not (data_dir / ".restore-applied").exists()
    again = open_store()
    assert again.get("stations", "desk-1")["name"] == "Front desk"
    assert not (data_dir / ".restore-pending").exists()
    assert apply_pending_restore(data_dir) is None


def test_a_restore_interrupted_half_way_is_finished_at_the_next_start(filled, data_dir,
                                                                      open_store, mocker):
    store, db = filled
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=store)
    history = rows(data_dir / "history.sqlite3")
    store.patch("stations", "desk-1", {"name": "Old"})
    with db:
        db.execute("INSERT INTO calls VALUES ('late', '+34', 1)")
    db.close()
    buf.seek(0)
    stage_restore(buf, data_dir, store=store)
    store.close()
    real_rename, calls = Path.rename, []

    def dies_on_the_fifth(self: Path, target: Path) -> Path:
        calls.append(self)
        if len(calls) == 5:
            raise OSError("power cut")
        return real_rename(self, target)

    mocker.patch.object(Path, "rename", dies_on_the_fifth)
    with pytest.raises(OSError, match="power cut"):
        apply_pending_restore(data_dir)               # a start, cut short
    mocker.stopall()
    assert apply_pending_restore(data_dir) is not None   # the next start finishes it
    again = open_store()
    assert again.get("stations", "desk-1")["name"] == "Front desk"
    assert rows(data_dir / "history.sqlite3") == history
    assert (data_dir / "recordings" / "vm-1.wav").exists()
    assert not (data_dir / ".restore-pending").exists()


# -- refused archives ---------------------------------------------------------------------------


def members(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def pack(files: dict[str, bytes], *, manifest: bool = True,
         extra: Callable[[tarfile.TarFile], None] | None = None) -> bytes:
    """A .tar.gz of ``files``; with ``manifest`` a fresh manifest.json matching them."""
    files = dict(files)
    if manifest:
        files["manifest.json"] = json.dumps({
            "format": "switchboard-backup", "format_version": 1, "created_at": "x",
            "app_version": "x", "files": [
                {"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                for n, d in files.items() if n != "manifest.json"]}).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra is not None:
            extra(tar)
    return buf.getvalue()


@pytest.fixture
def good(filled, data_dir) -> bytes:
    store, _ = filled
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=store)
    return buf.getvalue()


def symlink(tar: tarfile.TarFile) -> None:
    info = tarfile.TarInfo("audio/link")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    tar.addfile(info)


def device(tar: tarfile.TarFile) -> None:
    info = tarfile.TarInfo("audio/dev")
    info.type = tarfile.CHRTYPE
    tar.addfile(info)


def without_manifest(m: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in m.items() if k != "manifest.json"}


BAD: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "random bytes": (lambda g: os.urandom(2000), "not a readable .tar.gz"),
    "truncated": (lambda g: g[: len(g) // 2], "not a readable .tar.gz"),
    "empty": (lambda g: b"", "not a readable .tar.gz"),
    "plain gzip": (lambda g: __import__("gzip").compress(b"hello" * 100),
                   "not a readable .tar.gz"),
    "foreign tar": (lambda g: pack({"notes.txt": b"hi"}, manifest=False),
                    "not a Switchboard backup (it contains notes.txt)"),
    "no manifest": (lambda g: pack(without_manifest(members(g)), manifest=False),
                    "no manifest.json"),
    "checksum": (lambda g: pack(members(g) | {"history.sqlite3": bytes(
        len(members(g)["history.sqlite3"]))}, manifest=False), "checksum mismatch for "
                 "history.sqlite3"),
    "size": (lambda g: pack(members(g) | {"audio/hold.pcm": b"short"}, manifest=False),
             "size mismatch for audio/hold.pcm"),
    "missing file": (lambda g: pack({k: v for k, v in members(g).items()
                                     if k != "recordings/vm-1.wav"}, manifest=False),
                     "recordings/vm-1.wav is listed in the manifest but missing"),
    "traversal": (lambda g: pack(without_manifest(members(g)) | {"../evil": b"x"}),
                  "unsafe path ../evil"),
    "nested traversal": (lambda g: pack({"audio/../../evil": b"x"}), "unsafe path"),
    "absolute": (lambda g: pack({"/etc/cron.d/x": b"x"}), "unsafe path /etc/cron.d/x"),
    "symlink": (lambda g: pack(without_manifest(members(g)), extra=symlink), "unsafe member"),
    "device": (lambda g: pack(without_manifest(members(g)), extra=device), "unsafe member"),
    "unlisted": (lambda g: pack(members(g) | {"audio/extra.pcm": b"x"}, manifest=False),
                 "audio/extra.pcm is not listed in the manifest"),
    "hidden": (lambda g: pack(without_manifest(members(g)) | {"audio/.x": b"x"}),
               "it contains audio/.x"),
    "twice": (lambda g: pack(without_manifest(members(g)), extra=lambda t: t.addfile(
        tarfile.TarInfo("config.json"), io.BytesIO(b""))), "config.json appears twice"),
    "bad config json": (lambda g: pack(without_manifest(members(g)) | {
        "config.json": b'{"teams": {"1": '}), "corrupt config: not readable JSON"),
    "invalid config": (lambda g: pack(without_manifest(members(g)) | {"config.json": json.dumps(
        {"meta": {"1": {"schema": 2}}, "teams": {"1": {"id": "t", "name": ""}}}).encode()}),
        "corrupt config: teams.t.name"),
    "dangling reference": (lambda g: pack(without_manifest(members(g)) | {
        "config.json": json.dumps({"agents": {"1": {"id": "a", "name": "A",
                                                    "station": "ghost"}}}).encode()}),
        "corrupt config: agents.a.station"),
    "config from the future": (lambda g: pack(without_manifest(members(g)) | {
        "config.json": b'{"meta": {"1": {"schema": 99}}}'}), "newer Switchboard"),
    "corrupt sqlite": (lambda g: pack(without_manifest(members(g)) | {
        "history.sqlite3": b"SQLite format 3\x00" + os.urandom(4000)}), "corrupt history"),
    "manifest from the future": (lambda g: pack(without_manifest(members(g)) | {
        "manifest.json": json.dumps({"format": "switchboard-backup", "format_version": 9,
                                     "files": []}).encode()}, manifest=False), "newer"),
    "garbled manifest": (lambda g: pack(without_manifest(members(g)) | {
        "manifest.json": b"[]"}, manifest=False), "unreadable manifest"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_archives_are_refused_and_nothing_changes(filled, good, data_dir, case):
    store, _ = filled
    bad, reason = BAD[case]
    before = tree(data_dir)
    with pytest.raises(BackupRejected) as err:
        stage_restore(io.BytesIO(bad(good)), data_dir, store=store)
    assert reason in err.value.reason
    assert err.value.status == 400
    assert err.value.message.startswith("This backup cannot be restored: ")
    assert err.value.message.endswith("Nothing was changed.")
    assert tree(data_dir) == before
    assert not list(data_dir.glob(".restore*"))


def test_an_archive_over_the_size_limit_is_refused(filled, good, data_dir, mocker):
    store, _ = filled
    mocker.patch.object(archive_format, "MAX_TOTAL", 10_000)
    with pytest.raises(BackupRejected, match="larger than"):
        stage_restore(io.BytesIO(good), data_dir, store=store)


def test_the_good_archive_itself_passes(filled, good, data_dir):
    store, _ = filled
    assert stage_restore(io.BytesIO(good), data_dir, store=store).files == 6


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli():
    interval = sys.getswitchinterval()
    yield main
    sys.setswitchinterval(interval)


def test_cli_backup_and_restore(filled, data_dir, tmp_path, cli, capsys):
    store, db = filled
    archive = tmp_path / "out.tar.gz"
    assert cli(["backup", str(archive), "--data", str(data_dir)]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert cli(["restore", str(archive), "--data", str(data_dir)]) == 1
    assert "in use by another Switchboard" in capsys.readouterr().err
    db.close()
    store.close()
    assert cli(["restore", str(archive), "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Restored the backup" in out
    assert f"{CALLS} calls" in out
    assert ".previous-" in out


def test_restoring_into_an_empty_folder_says_there_was_nothing_before(
        filled, data_dir, tmp_path, cli, capsys):
    store, db = filled
    archive = tmp_path / "out.tar.gz"
    assert cli(["backup", str(archive), "--data", str(data_dir)]) == 0
    db.close()
    store.close()
    assert cli(["restore", str(archive), "--data", str(tmp_path / "new")]) == 0
    out = capsys.readouterr().out
    assert "There was no data before it. Start Switchboard again." in out
    assert not list((tmp_path / "new").glob(".previous-*"))


def test_cli_refuses_bad_and_missing_archives(data_dir, tmp_path, cli, capsys):
    (tmp_path / "bad.tar.gz").write_bytes(b"nope")
    assert cli(["restore", str(tmp_path / "bad.tar.gz"), "--data", str(data_dir)]) == 1
    assert "cannot be restored: not a Switchboard backup" in capsys.readouterr().err
    assert cli(["restore", str(tmp_path / "none.tar.gz"), "--data", str(data_dir)]) == 1
    assert "there is no file" in capsys.readouterr().err
    assert cli(["backup", str(tmp_path / "x.tar.gz"), "--data", str(tmp_path / "empty")]) == 1
    assert "no configuration" in capsys.readouterr().err
    assert not (tmp_path / "x.tar.gz").exists()


def test_the_page_says_a_restore_was_applied_even_when_the_audio_came_first(office, data_dir):
    """`switchboard run` applies a pending restore before the audio library reads the data
    directory, so the store found none to apply and the page never said it (issue 11)."""
    buf = io.BytesIO()
    make_backup(data_dir, buf, store=office)
    buf.seek(0)
    stage_restore(buf, data_dir, store=office)
    office.close()
    assert apply_pending_restore(data_dir) is not None          # as build_real does first
    for start in ("the start that applied it", "the start after it"):
        appliance = build_simulated(data_dir, ManualClock())
        try:
            restored = appliance.api.admin.storage()["restored"]
            assert restored.startswith("Switchboard started from the backup uploaded on"), start
        finally:
            appliance.close()
