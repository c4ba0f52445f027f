"""The backup archive's format, and reading one without trusting it.

A backup is a .tar.gz of the data directory's owner data (``FILES`` and the ``FOLDERS``) with
``manifest.json``: format, creation time, app version, and every file's path, size and sha256.
The ``BOX_SETTINGS`` in ``config.json`` are never in it: the session secrets would make a backup
a login, and the password hash would let whoever holds one guess the password offline.

Why so strict: an archive comes from a USB stick or an upload, so it may be truncated, from
another program, edited, or hostile. ``verify_into`` streams it into a new staging directory,
refusing unsafe names (absolute, ``..``), links, devices, files outside the layout or not in
the manifest, and anything past ``MAX_TOTAL``; then every checksum and size, the configuration
(with the store's own parsers, migrations and reference checks) and the history
(``PRAGMA integrity_check``) are verified. Only a directory that passed all of it is ever moved
into place (``appliance.ops.backup``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import zlib
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from appliance.config.durable import Damaged, StoreTooNew, fsync_dir, migrate, parse_document
from appliance.config.resources import KINDS, check_resources
from appliance.errors import ApplianceError

FORMAT = "switchboard-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONFIG = "config.json"
HISTORY = "history.sqlite3"
VERSIONS = "versions.json"
FILES = (CONFIG, HISTORY, VERSIONS)
FOLDERS = ("audio", "recordings")
MAX_TOTAL = 500 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_MANIFEST = 8 * 1024 * 1024
CHUNK = 1024 * 1024
# Settings that belong to the box, not to its configuration: left out of every backup, and a
# restore keeps the box's own (``appliance.ops.backup``). The web layer uses these names.
PASSWORD_SETTING = "password_hash"  # noqa: S105 (names of settings, not secrets)
SECRET_SETTING = "secret_key"  # noqa: S105 (signs the session cookie)
EPOCH_SETTING = "session_epoch"   # the current generation of owner sessions
API_KEYS_SETTING = "api_keys"      # named keys made on the page, each kept only as a hash
SIM_PINS_SETTING = "sim_pins"      # line id -> the PIN the owner typed for its SIM
BOX_SETTINGS = (PASSWORD_SETTING, SECRET_SETTING, EPOCH_SETTING, API_KEYS_SETTING,
                SIM_PINS_SETTING)


class BackupRejected(ApplianceError):
    """The archive is not a whole, untampered Switchboard backup; nothing was changed."""

    status = 400

    def __init__(self, reason: str) -> None:
        reason = reason.rstrip(".")
        super().__init__(f"This backup cannot be restored: {reason}. Nothing was changed.")
        self.reason = reason


@dataclass(frozen=True)
class BackupFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RestoreReport:
    """What a verified archive holds (and, once applied, where the previous state went)."""

    created_at: str
    app_version: str
    files: int
    bytes: int
    resources: dict[str, int]
    calls: int | None         # rows in the call history, None without a history file
    audio_files: int
    recordings: int
    previous: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)



def _safe_name(member: tarfile.TarInfo) -> str:
    name = member.name
    path = PurePosixPath(name)
    if (not name or name.startswith("/") or "\\" in name or ".." in path.parts
            or any(ord(c) < 32 for c in name)):
        raise BackupRejected(f"unsafe path {name}")
    if not (member.isfile() or member.isdir()):
        raise BackupRejected(f"unsafe member {name} (links and devices are refused)")
    return path.as_posix()


def _in_layout(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if any(part.startswith(".") for part in parts):
        return False
    return name in FILES or (len(parts) > 1 and parts[0] in FOLDERS)


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, name: str, dest: Path
             ) -> BackupFile:
    source = tar.extractfile(member)
    assert source is not None   # a regular file (checked by _safe_name)
    sha, size = hashlib.sha256(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("xb") as f:
        while chunk := source.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
    return BackupFile(name, size, sha.hexdigest())


def _unpack(archive: BinaryIO, staging: Path) -> tuple[bytes | None, dict[str, BackupFile]]:
    """Stream the archive into ``staging``; returns the manifest's bytes and what was found."""
    found: dict[str, BackupFile] = {}
    manifest: bytes | None = None
    total = count = 0
    try:
        with tarfile.open(fileobj=archive, mode="r|gz") as tar:
            for member in tar:
                name = _safe_name(member)
                count += 1
                total += member.size
                if total > MAX_TOTAL or count > MAX_MEMBERS:
                    raise BackupRejected(f"larger than {MAX_TOTAL // 1024 // 1024} MB or "
                                         f"{MAX_MEMBERS} files")
                if member.isdir():
                    continue
                if name in found or (name == MANIFEST and manifest is not None):
                    raise BackupRejected(f"{name} appears twice")
                if name == MANIFEST:
                    manifest = tar.extractfile(member).read(MAX_MANIFEST)  # type: ignore[union-attr]
                elif not _in_layout(name):
                    raise BackupRejected(f"not a Switchboard backup (it contains {name})")
                else:
                    found[name] = _extract(tar, member, name, staging / name)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupRejected(f"not a Switchboard backup (not a readable .tar.gz: {exc})") from exc
    return manifest, found


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _check_manifest(raw: bytes | None, found: dict[str, BackupFile]) -> dict[str, Any]:
    if raw is None:
        raise BackupRejected(f"not a Switchboard backup (no {MANIFEST})")
    try:
        manifest = json.loads(raw)
        listed = {f["path"]: BackupFile(f["path"], int(f["size"]), str(f["sha256"]))
                  for f in manifest["files"]}
        ok = manifest["format"] == FORMAT and isinstance(manifest["format_version"], int)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupRejected(f"not a Switchboard backup (unreadable manifest: {exc})") from exc
    if not ok:
        raise BackupRejected("not a Switchboard backup (unknown manifest format)")
    if manifest["format_version"] > FORMAT_VERSION:
        raise BackupRejected("it was made by a newer Switchboard; update this one first")
    for name, expected in listed.items():
        got = found.get(name)
        if got is None:
            raise BackupRejected(f"{name} is listed in the manifest but missing")
        if got.size != expected.size:
            raise BackupRejected(f"size mismatch for {name}")
        if got.sha256 != expected.sha256:
            raise BackupRejected(f"checksum mismatch for {name}")
    extra = sorted(found.keys() - listed.keys())
    if extra:
        raise BackupRejected(f"{extra[0]} is not listed in the manifest")
    if CONFIG not in found:
        raise BackupRejected(f"not a Switchboard backup (no {CONFIG})")
    return manifest


def _check_config(path: Path) -> dict[str, int]:
    """The configuration must open exactly as the store would open it (migrations included)."""

    try:
        data = migrate(parse_document(path.read_bytes()), name="the backup's configuration")
    except StoreTooNew as exc:
        raise BackupRejected("its configuration was written by a newer Switchboard; update "
                             "this one first") from exc
    except Damaged as exc:
        raise BackupRejected(f"corrupt config: {exc}") from exc
    _, errors = check_resources({kind: list(data.get(kind, {}).values()) for kind in KINDS})
    if errors:
        first = "; ".join(f"{where}: {message}" for where, message in list(errors.items())[:3])
        raise BackupRejected(f"corrupt config: {first}")
    return {kind: len(data.get(kind, {})) for kind in KINDS}


def _check_history(path: Path) -> int:
    try:
        with closing(sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupRejected(f"corrupt {HISTORY}: {result[0][0]}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "calls" not in tables:
                return 0
            return db.execute("SELECT count(*) FROM calls").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupRejected(f"corrupt {HISTORY}: {exc}") from exc


def _check_versions(path: Path) -> None:
    try:
        data = json.loads(path.read_bytes())
        if not isinstance(data.get("versions"), list):
            raise ValueError("no list of versions")
    except (ValueError, AttributeError) as exc:
        raise BackupRejected(f"corrupt {VERSIONS}: {exc}") from exc


def verify_into(archive: BinaryIO, staging: Path) -> RestoreReport:
    """Unpack ``archive`` into the new directory ``staging`` and verify all of it.

    On any problem ``staging`` is removed and ``BackupRejected`` says why.
    """
    staging.mkdir()
    try:
        raw, found = _unpack(archive, staging)
        manifest = _check_manifest(raw, found)
        resources = _check_config(staging / CONFIG)
        calls = _check_history(staging / HISTORY) if HISTORY in found else None
        if VERSIONS in found:
            _check_versions(staging / VERSIONS)
        _write_synced(staging / MANIFEST, raw or b"")
        for directory in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            fsync_dir(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreReport(
        created_at=str(manifest.get("created_at", "")), app_version=str(manifest.get(
            "app_version", "")), files=len(found), bytes=sum(f.size for f in found.values()),
        resources=resources, calls=calls,
        audio_files=sum(name.startswith("audio/") for name in found),
        recordings=sum(name.startswith("recordings/") for name in found))
