"""Backup and restore of the data directory: ``switchboard backup|restore FILE`` and the web page.

The archive (format and verification in ``appliance.ops.archive``) holds ``config.json`` (a
consistent copy taken under the store's lock), ``history.sqlite3`` (copied with SQLite's online
backup, consistent while the core appends), ``versions.json``, ``audio/`` (the owner's uploads)
and ``recordings/`` (voicemail), then ``manifest.json`` last, so each file is read exactly once
while it is hashed. ``speech/`` is a cache that is rendered again; temp and hidden files, the
last good copy and the draft are never included. Nor are the ``BOX_SETTINGS`` (the owner's
password hash, the session-signing key and generation): they are taken out of the config copy,
so a backup is neither a login nor a hash to crack offline. A restore keeps the password hash
the box has when the archive is staged (none on a wiped box: the first visit then asks for a new
password) and never takes one from an archive, even an old one that holds it; the web makes new
session secrets at the next start, so every session from before the restore ends.

A restore is staged first: the archive is verified completely into ``.restore-staging-*``
inside the data directory and only then renamed to ``.restore-pending``. *Applying* it moves
the current entries into ``.previous-<time>/`` and the new ones into place, entry by entry, with
the manifest as the journal, so a crash half-way is finished at the next start and the previous
state is kept until the new one is in place. Entries are moved *inside* the data directory,
never the directory itself: systemd's ``StateDirectory`` lets the service write in
``/var/lib/switchboard`` but not in ``/var/lib``. What belongs to this box rather than to the
backup stays (``refused-pins``: SIM PINs the modem refused, which must never be retried;
``speech/``).

``switchboard restore`` stages and applies at once; it takes the store's writer lock, so it is
refused while the appliance runs. The web page only stages (swapping files under a running core
is unsafe); the next start applies it (``apply_pending_restore``, first thing in
``appliance.ops.assembly``) and leaves the sentence the page shows for a week
(``restored_note``): a power cut or a second restart right after must not hide it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import asdict, replace
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from appliance.config.durable import (
    LOCK_SUFFIX,
    TMP_PREFIX,
    Damaged,
    WriterLock,
    atomic_write,
    encode,
    fsync_dir,
    good_copy,
    parse_document,
    read_document,
)
from appliance.config.resources import SETTINGS
from appliance.errors import ApplianceError, NotFound
from appliance.ops.archive import (
    BOX_SETTINGS,
    CONFIG,
    FILES,
    FOLDERS,
    FORMAT,
    FORMAT_VERSION,
    HISTORY,
    MANIFEST,
    PASSWORD_SETTING,
    VERSIONS,
    BackupFile,
    BackupRejected,
    RestoreReport,
    verify_into,
)

if TYPE_CHECKING:
    from appliance.config.store import ConfigStore

__all__ = ["BackupFile", "BackupRejected", "RestoreReport", "apply_pending_restore",
           "make_backup", "restore_backup", "stage_restore", "verify_into"]

log = logging.getLogger(__name__)

# Files that go with what they derive from: the good copy, SQLite's -wal/-shm, the draft.
DERIVED = (CONFIG + ".", HISTORY + "-", VERSIONS + ".", "draft.json")
PENDING = ".restore-pending"
RESTORED_NOTE = ".restore-applied"   # the sentence for the page, for a week
RESTORED_NOTE_S = 7 * 24 * 3600
STAGING = ".restore-staging-"
PREVIOUS = ".previous-"
KEEP_PREVIOUS = 2


# -- making a backup -------------------------------------------------------------------------


def app_version() -> str:
    try:
        return metadata.version("switchboard")
    except metadata.PackageNotFoundError:
        return "unknown"


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S-%f")


class _Hashing:
    """A reader that hashes what ``tarfile`` copies, so each file is read once."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.sha.update(chunk)
        return chunk


def _add(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> BackupFile:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(datetime.now().timestamp())
    reader = _Hashing(source)
    tar.addfile(info, reader)  # type: ignore[arg-type]
    return BackupFile(name, size, reader.sha.hexdigest())


def _copy_history(source: Path, dest: Path) -> None:
    """A consistent, self-contained copy of the call history in ``dest``.

    While the appliance runs (a ``-wal`` file exists) SQLite's online backup copies it
    consistently between appends. When it is stopped the file is copied as bytes: opening it
    would leave ``-wal``/``-shm`` files behind, owned by root after ``sudo switchboard backup``,
    which the service could then not open.
    """
    try:
        if source.with_name(source.name + "-wal").exists():
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(dest)) as dst:
                src.backup(dst)
        else:
            shutil.copyfile(source, dest)
        with closing(sqlite3.connect(dest)) as dst:
            dst.execute("PRAGMA journal_mode=DELETE")   # one file, no -wal
    except sqlite3.Error as exc:
        raise ApplianceError(f"The call history {source} could not be read ({exc}); no "
                             "backup was made.") from exc


def _owner_files(data_dir: Path) -> Iterator[Path]:
    for folder in FOLDERS:
        for path in sorted((data_dir / folder).rglob("*")):
            rel = path.relative_to(data_dir)
            if path.is_file() and not path.is_symlink() and not any(
                    part.startswith(".") for part in rel.parts):
                yield path


def _config_bytes(data_dir: Path, store: ConfigStore | None) -> bytes:
    try:
        raw = store.export_bytes() if store is not None else (data_dir / CONFIG).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"There is no configuration in {data_dir} to back up.") from None
    try:
        data = parse_document(raw)
    except Damaged as exc:
        raise ApplianceError(f"The configuration file is damaged ({exc}); a backup of it "
                             "could not be restored, so none was made.") from exc
    return encode(_without_box_settings(data))


# -- the box's own settings ----------------------------------------------------------------------


def _settings_name() -> str:
    return SETTINGS


def _without_box_settings(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a config document) without the settings that belong to the box."""
    table = data.get(_settings_name(), {})
    kept = {n: row for n, row in table.items() if row.get("key") not in BOX_SETTINGS}
    return data if len(kept) == len(table) else data | {_settings_name(): kept}


def _box_password(data_dir: Path, store: ConfigStore | None) -> str | None:
    """The password hash this box has now (its config, else its last good copy)."""
    if store is not None:
        return store.setting(PASSWORD_SETTING)
    for path in (data_dir / CONFIG, good_copy(data_dir / CONFIG)):
        try:
            data = read_document(path)
        except Damaged:
            continue
        rows = (data or {}).get(_settings_name(), {}).values()
        return next((r.get("value") for r in rows if r.get("key") == PASSWORD_SETTING), None)
    return None


def _keep_box_settings(config: Path, password: str | None) -> None:
    """Give the staged ``config`` the box's password hash and none of the archive's secrets."""
    data = _without_box_settings(parse_document(config.read_bytes()))
    if password:
        table = dict(data.get(_settings_name(), {}))
        doc_id = max((int(n) for n in table if n.isdigit()), default=0) + 1
        table[str(doc_id)] = {"key": PASSWORD_SETTING, "value": password}
        data = data | {_settings_name(): table}
    atomic_write(config, encode(data))


def make_backup(data_dir: Path, out: BinaryIO | Path, *, store: ConfigStore | None = None
                ) -> list[BackupFile]:
    """Write the archive of ``data_dir`` to ``out`` (a path is replaced only when complete)."""
    data_dir = Path(data_dir)
    if isinstance(out, Path):
        tmp = out.with_name(f"{TMP_PREFIX}{out.name}-{_stamp()}")
        try:
            with tmp.open("wb") as f:
                files = make_backup(data_dir, f, store=store)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
        return files
    raw = _config_bytes(data_dir, store)
    files = []
    with tempfile.TemporaryDirectory(prefix="switchboard-backup-") as work, \
            tarfile.open(fileobj=out, mode="w|gz") as tar:
        files.append(_add(tar, CONFIG, io.BytesIO(raw), len(raw)))
        sources: list[tuple[str, Path]] = []
        if (data_dir / HISTORY).exists():
            _copy_history(data_dir / HISTORY, Path(work) / HISTORY)
            sources.append((HISTORY, Path(work) / HISTORY))
        if (data_dir / VERSIONS).is_file():
            sources.append((VERSIONS, data_dir / VERSIONS))
        sources += [(p.relative_to(data_dir).as_posix(), p) for p in _owner_files(data_dir)]
        for name, path in sources:
            with path.open("rb") as f:
                files.append(_add(tar, name, f, os.fstat(f.fileno()).st_size))
        created = datetime.now().astimezone().isoformat(timespec="seconds")
        manifest = json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION,
                               "created_at": created, "app_version": app_version(),
                               "files": [asdict(f) for f in files]}, indent=1).encode()
        _add(tar, MANIFEST, io.BytesIO(manifest), len(manifest))
    return files


# -- staging and applying -----------------------------------------------------------------------


def stage_restore(archive: BinaryIO, data_dir: Path, *,
                  store: ConfigStore | None = None) -> RestoreReport:
    """Verify ``archive`` and leave it as ``data_dir/.restore-pending`` for the next start."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f"{STAGING}{_stamp()}"
    report = verify_into(archive, staging)
    try:
        _keep_box_settings(staging / CONFIG, _box_password(data_dir, store))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    guard: AbstractContextManager[Any] = store.locked() if store is not None else nullcontext()
    with guard:   # two uploads at once: the last one wins, whole
        pending = data_dir / PENDING
        if pending.exists():
            shutil.rmtree(pending)
        staging.rename(pending)
        fsync_dir(data_dir)
    log.info("verified the backup and staged it in %s", pending)
    return report


def _movable(name: str) -> bool:
    """Entries a restore replaces: the backup's own, and files derived from them."""
    if name == CONFIG + LOCK_SUFFIX or name.startswith(TMP_PREFIX):
        return False
    return name in FILES or name in FOLDERS or name.startswith(DERIVED)


def _apply(data_dir: Path) -> Path | None:
    """Move the current entries to ``.previous-<time>/`` and the pending ones into place.

    Resumable: an entry the manifest names that is no longer in ``.restore-pending`` was
    already moved in, so it stays. ``manifest.json`` leaves ``.restore-pending`` last.
    Returns the folder with the data from before, ``None`` when there was none.
    """
    pending = data_dir / PENDING
    names = {PurePosixPath(f["path"]).parts[0]
             for f in json.loads((pending / MANIFEST).read_bytes())["files"]}
    previous = data_dir / f"{PREVIOUS}{_stamp()}"
    previous.mkdir()
    for entry in sorted(data_dir.iterdir()):
        applied = entry.name in names and not (pending / entry.name).exists()
        if _movable(entry.name) and not applied:
            entry.rename(previous / entry.name)
    for name in sorted(names):
        if (pending / name).exists():
            _adopt(pending / name, data_dir.stat())
            (pending / name).rename(data_dir / name)
    fsync_dir(data_dir)
    shutil.rmtree(pending)
    fsync_dir(data_dir)
    for old in sorted(data_dir.glob(PREVIOUS + "*"))[:-KEEP_PREVIOUS]:
        shutil.rmtree(old, ignore_errors=True)
    if not any(previous.iterdir()):          # restored into an empty data directory
        previous.rmdir()
        return None
    return previous


def _before(previous: Path | None) -> str:
    return (f"the data from before is kept in {previous}." if previous is not None
            else "there was no data before it.")


def _adopt(path: Path, owner: os.stat_result) -> None:
    """Run as root (``sudo switchboard restore``), give the files to the data dir's owner."""
    if os.geteuid() != 0:
        return
    for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.chown(item, owner.st_uid, owner.st_gid)


def apply_pending_restore(data_dir: Path) -> str | None:
    """Apply a restore staged by the web page; returns the sentence for the page and log."""
    data_dir = Path(data_dir)
    pending = data_dir / PENDING
    if not (pending / MANIFEST).is_file():
        return None
    staged = datetime.fromtimestamp((pending / MANIFEST).stat().st_mtime)
    lock = WriterLock(data_dir / CONFIG)
    try:
        previous = _apply(data_dir)
    finally:
        lock.release()
    message = (f"Switchboard started from the backup uploaded on {staged:%Y-%m-%d %H:%M}; "
               f"{_before(previous)}")
    log.warning("%s", message)
    atomic_write(data_dir / RESTORED_NOTE, message.encode())
    return message


def restored_note(data_dir: Path, now: float) -> str | None:
    """The sentence of a restore applied in the last week, for the page; then forgotten."""
    note = Path(data_dir) / RESTORED_NOTE
    try:
        if now - note.stat().st_mtime < RESTORED_NOTE_S:
            return note.read_text()
    except FileNotFoundError:
        return None
    note.unlink(missing_ok=True)
    return None


def restore_backup(archive: BinaryIO | Path, data_dir: Path) -> RestoreReport:
    """Verify and restore at once (``switchboard restore``; the appliance must be stopped)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = WriterLock(data_dir / CONFIG)   # StoreLocked while the appliance runs
    try:
        if isinstance(archive, Path):
            with archive.open("rb") as f:
                report = stage_restore(f, data_dir)
        else:
            report = stage_restore(archive, data_dir)
        previous = _apply(data_dir)
    finally:
        lock.release()
    return replace(report, previous=None if previous is None else str(previous))


# -- the command line ---------------------------------------------------------------------------


def backup_command(file: Path, data_dir: Path) -> int:
    """``switchboard backup FILE``: safe while the appliance runs (files are read consistently)."""
    try:
        files = make_backup(data_dir, file)
    except (ApplianceError, OSError) as exc:
        print(f"Backup failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    size = sum(f.size for f in files)
    audio = sum(f.path.startswith("audio/") for f in files)
    recordings = sum(f.path.startswith("recordings/") for f in files)
    print(f"Wrote {file}: {len(files)} files, {size / 1e6:.1f} MB (configuration"
          f"{', call history' if any(f.path == HISTORY for f in files) else ''}, "
          f"{audio} audio files, {recordings} recordings).")
    return 0


def restore_command(file: Path, data_dir: Path) -> int:
    """``switchboard restore FILE``: the appliance must be stopped (its lock is checked)."""
    try:
        report = restore_backup(file, data_dir)
    except FileNotFoundError:
        print(f"Restore failed: there is no file {file}.", file=sys.stderr)
        return 1
    except (ApplianceError, OSError) as exc:
        print(f"Restore failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in report.resources.items() if n)
    print(f"Restored the backup made on {report.created_at} into {data_dir}: "
          f"{counts or 'an empty configuration'}; "
          f"{'no call history' if report.calls is None else f'{report.calls} calls'}, "
          f"{report.audio_files} audio files, {report.recordings} recordings.")
    before = ("There was no data before it" if report.previous is None
              else f"The previous data is kept in {report.previous}")
    print(f"{before}. Start Switchboard again.")
    return 0
