"""Files under the config store: atomic durable writes, one writer, damage recovery, migrations.

Why each piece exists (an SD card loses power at any moment and wears out with writes):

* TinyDB's ``JSONStorage`` rewrites its file in place, so a kill or power cut can leave it
  half-written. ``atomic_write`` writes a temporary file in the same directory, fsyncs it,
  renames it over the old one and fsyncs the directory: the file is always the old or the new
  version. A killed writer leaves ``.tmp-*`` files behind; ``remove_stale_temps`` deletes them.
* A full SD card must fail the write with a sentence the owner can act on, and keep what is
  stored: ``DiskFull`` is raised before the rename, so the old file stays in place.
* Two processes writing the same file would lose each other's changes: ``WriterLock`` (flock)
  lets one process own a config file; ``switchboard restore`` uses it to refuse while running.
* An SD card can still damage a file under us. ``open_document`` never starts silently empty: it
  moves the damaged file aside, starts from the last good copy and says so, or raises
  ``StoreCorrupt`` when there is no good copy either. The good copy is written at each clean
  open and, after a write, when it is missing or a day old (``good_copy_due``): a box set up
  once and never restarted still has one, and the card sees one extra write a day at most.
* The file's layout changes between releases: ``migrate`` upgrades it in order at open.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from appliance.config.documents import dump
from appliance.config.validation import PARSERS, parse_id
from appliance.errors import ApplianceError, ValidationError

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"
GOOD_SUFFIX = ".good"
GOOD_COPY_EVERY_S = 24 * 3600
LOCK_SUFFIX = ".lock"
META = "meta"
QUARANTINE = "quarantine"
SCHEMA_VERSION = 2
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

Document = dict[str, Any]   # TinyDB's file: table name -> {doc id: document}


class StoreCorrupt(RuntimeError):
    """The config file exists but cannot be read; never silently replaced by an empty one."""


class StoreTooNew(StoreCorrupt):
    """The file was written by a newer Switchboard; this one must not guess at its layout."""


class DiskFull(ApplianceError, OSError):
    """A write found no space. Also an ``OSError`` so callers catching those keep working."""

    status = 507

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errno = errno.ENOSPC


class StoreLocked(ApplianceError):
    """Another process owns the config file (one writer)."""

    status = 409


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")


def encode(data: Document) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


# -- atomic writes ------------------------------------------------------------------------------


def fsync_dir(directory: Path) -> None:
    """Make renames and new names in ``directory`` durable (a rename lives in the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def disk_full(path: Path, exc: OSError) -> DiskFull:
    try:
        free = f"{shutil.disk_usage(path.parent).free / 1e6:.1f} MB"
    except OSError:
        free = "no space"
    return DiskFull(f"The SD card is full: {free} free in {path.parent}. Nothing was changed; "
                    f"delete old voicemail, recordings or uploads and try again. "
                    f"({exc.strerror or exc})")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync of the directory.

    ``os.write`` is called directly (not through a buffered file) so every byte reaches the
    kernel before the fsync, and so tests can make it fail. ENOSPC before the rename becomes
    ``DiskFull``; the old file is then untouched and the temp file removed.
    """
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + path.name, dir=path.parent)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno in FULL_ERRNOS and not isinstance(exc, DiskFull):
            raise disk_full(path, exc) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temp files a killed writer of ``path`` (or of its good copy) left behind."""
    stale = list(path.parent.glob(TMP_PREFIX + path.name + "*"))
    for leftover in stale:
        leftover.unlink(missing_ok=True)
    return stale


class WriterLock:
    """An exclusive ``flock`` on ``<file>.lock``: one process writes a config file at a time.

    The kernel drops the lock when the process dies, so a crash never leaves it stuck.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + LOCK_SUFFIX)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise StoreLocked(f"{path} is in use by another Switchboard process; stop it first "
                              "(sudo systemctl stop switchboard).") from None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # closing the descriptor releases the flock
            self._fd = None


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically (temp file, fsync, rename, dir fsync)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self.path)

    def read(self) -> Document | None:
        try:
            return read_document(self.path)
        except Damaged as exc:
            raise StoreCorrupt(f"{self.path} is damaged ({exc}); restore a backup.") from exc

    def write(self, data: Document) -> None:
        atomic_write(self.path, encode(data))

    def close(self) -> None:
        pass


# -- reading, damage and the last good copy -----------------------------------------------------


class Damaged(Exception):
    """The bytes are not a TinyDB document; the message says what is wrong."""


def parse_document(raw: bytes) -> Document:
    """The TinyDB document in ``raw``: an object of tables, each an object of objects."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Damaged("empty file" if not raw.strip() else f"not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Damaged("not a JSON object")
    for name, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise Damaged(f"table '{name}' is not a set of documents")
    return data


def read_document(path: Path) -> Document | None:
    """The document at ``path``, ``None`` when there is no file yet; ``Damaged`` otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse_document(raw)


def good_copy(path: Path) -> Path:
    return path.with_name(path.name + GOOD_SUFFIX)


def save_good_copy(path: Path, raw: bytes) -> None:
    """Keep ``raw`` (a file that just opened and validated) as the copy to recover from.

    Skipped when unchanged (SD wear). A full card must not stop the appliance from starting,
    so a failure is logged and the previous good copy stays.
    """
    good = good_copy(path)
    try:
        if good.exists() and good.read_bytes() == raw:
            return
        atomic_write(good, raw)
    except OSError as exc:
        log.warning("could not refresh the last good copy %s: %s", good, exc)


def good_copy_due(path: Path, now: float) -> bool:
    """After a write: no good copy yet, or it is a day old (either way of a clock jump)."""
    try:
        return abs(now - good_copy(path).stat().st_mtime) >= GOOD_COPY_EVERY_S
    except FileNotFoundError:
        return True


def _aside(path: Path) -> Path:
    base = path.with_name(f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def open_document(path: Path) -> tuple[Document | None, str | None]:
    """Read the config file, recovering from the last good copy if it is damaged or missing.

    Returns the document (``None`` for a new appliance) and, after a recovery, the sentence the
    web page shows. A missing file next to a good copy counts as damage: a new appliance has no
    good copy, and starting empty would silently drop the owner's configuration.
    """
    good = good_copy(path)
    try:
        data = read_document(path)
        if data is not None or not good.exists():
            return data, None
        reason = "it was missing"
    except Damaged as exc:
        reason = str(exc)
    return _recover(path, good, reason)


def _recover(path: Path, good: Path, reason: str) -> tuple[Document, str]:
    try:
        data = read_document(good)
    except Damaged:
        data = None
    if data is None:
        raise StoreCorrupt(
            f"{path} is damaged ({reason}) and there is no usable last good copy; nothing was "
            "changed. Restore a backup (switchboard restore FILE), or move the file away to "
            "start with an empty configuration.")
    kept = ""
    if path.exists():   # copy, not rename: if we die here, the damaged file is still found
        aside = _aside(path)
        atomic_write(aside, path.read_bytes())
        kept = f" The damaged file was kept as {aside.name}."
    atomic_write(path, good.read_bytes())
    good_time = datetime.fromtimestamp(good.stat().st_mtime).astimezone()
    message = (f"The configuration file was damaged ({reason}) on {_stamp()}; Switchboard "
               f"started from the last good copy from {_stamp(good_time)}. Changes made after "
               f"that are lost; check the configuration.{kept}")
    log.error("%s", message)
    return data, message


# -- schema versions and migrations -------------------------------------------------------------


def schema_of(data: Document) -> int:
    """The file's schema version; a file without one was written before versions (1)."""
    rows = list(data.get(META, {}).values())
    version = rows[0].get("schema") if rows else 1
    return version if isinstance(version, int) and version >= 1 else 1


def new_document() -> Document:
    return {META: {"1": {"schema": SCHEMA_VERSION}}}


def _v1_to_v2(data: Document) -> Document:
    """Version 2 adds the ``meta`` table and normalises every document by re-validating it.

    Version 1 files were validated on write too, but by older parsers: re-parsing fills the
    fields added since (e.g. a team's ``announce``) and strips whitespace. A document that no
    longer validates is not dropped: it moves to the ``quarantine`` table, and the log says so.
    """
    out = dict(data)
    quarantine = dict(out.get(QUARANTINE, {}))
    for kind, parse in PARSERS.items():
        kept: dict[str, Any] = {}
        for doc_id, doc in data.get(kind, {}).items():
            try:
                rid = parse_id(doc, None)
                if rid is None:
                    raise ValidationError({"id": "Required."})
                kept[doc_id] = dump(parse(doc, rid))
            except ValidationError as exc:
                quarantine[str(len(quarantine) + 1)] = {"kind": kind, "doc": doc,
                                                        "errors": exc.fields}
                log.error("config migration: %s %s does not validate (%s); moved it to the "
                          "'%s' table", kind, doc.get("id"), exc.fields, QUARANTINE)
        if kind in data:
            out[kind] = kept
    if quarantine:
        out[QUARANTINE] = quarantine
    return out


# MIGRATIONS[n] turns a version-n document into a version n+1 one. Append, never edit.
MIGRATIONS: dict[int, Callable[[Document], Document]] = {1: _v1_to_v2}


def migrate(data: Document, *, name: str = "the configuration") -> Document:
    """``data`` upgraded to ``SCHEMA_VERSION`` (the same object when it already is)."""
    version = schema_of(data)
    if version > SCHEMA_VERSION:
        raise StoreTooNew(f"{name} was written by a newer Switchboard (schema {version}; this "
                          f"one reads up to {SCHEMA_VERSION}). Install the newer version again, "
                          "or restore a backup made by this one.")
    if version == SCHEMA_VERSION:
        return data
    history = list(next(iter(data.get(META, {}).values()), {}).get("migrated", []))
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        history.append({"from": version, "to": version + 1, "at": datetime.now().astimezone()
                        .isoformat(timespec="seconds")})
        version += 1
        data[META] = {"1": {"schema": version, "migrated": history}}
    log.info("migrated %s to schema %d", name, version)
    return data
