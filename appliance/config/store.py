"""The configuration store: TinyDB documents behind one lock with atomic, durable writes.

TinyDB's own ``JSONStorage`` rewrites its file in place and can be left half-written by a power
cut. ``AtomicJSONStorage`` (``appliance.config.durable``) writes a temporary file, fsyncs it,
renames it over the old one and fsyncs the directory, so the file on disk is always either the
old or the new version. Every write is validated first; a
rejected write stores nothing. Listeners receive the new ``Config`` after each change (the core
subscribes).

Opening the store (in this order): apply a restore staged from the web page, take the writer
lock (one process), remove stale temp files, read the file (recovering from the last good copy
if it is damaged, see ``recovered``), migrate it to the current schema, and keep it as the new
last good copy.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query, TinyDB

from appliance.config.documents import audio_references, dump, references, users_of
from appliance.config.durable import (
    META,
    TMP_PREFIX,
    AtomicJSONStorage,
    DiskFull,
    StoreCorrupt,
    StoreLocked,
    StoreTooNew,
    WriterLock,
    atomic_write,
    encode,
    good_copy_due,
    migrate,
    new_document,
    open_document,
    remove_stale_temps,
    save_good_copy,
    schema_of,
)
from appliance.config.model import Config, Presence
from appliance.config.resources import (
    KINDS,
    SETTINGS,
    Resources,
    check_resources,
)
from appliance.config.validation import PARSERS, parse_id
from appliance.errors import Conflict, NotFound, Text, ValidationError

if TYPE_CHECKING:
    from appliance.config.versions import ConfigVersions

__all__ = ["TMP_PREFIX", "AtomicJSONStorage", "ConfigStore", "DiskFull", "StoreCorrupt",
           "StoreLocked", "StoreTooNew"]

log = logging.getLogger(__name__)

def _slug(name: Any, kind: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", str(name or "").lower()).strip("-")[:30]
    return base or kind.rstrip("s")


class ConfigStore:
    """The single owner of the TinyDB file. All methods are thread-safe.

    ``primary=False`` opens a side file (a draft): no staged restore is applied to the data
    directory and no last good copy is kept for it.
    """

    def __init__(self, path: str | os.PathLike[str], *, primary: bool = True) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Config], None]] = []
        self._versions: ConfigVersions | None = None
        self._closed = False
        # Ids of the owner's uploaded audio, when a library is attached: references to audio
        # that does not exist are refused like any other missing reference.
        self.audio_ids: Callable[[], set[str]] | None = None
        self._primary = primary
        self._writer = WriterLock(self._path)
        try:
            self.recovered: str | None = self._open(primary)
            self._db = TinyDB(str(self._path), storage=AtomicJSONStorage)
            self._config = self._build_config()
        except BaseException:
            self._writer.release()
            raise

    def _open(self, primary: bool) -> str | None:
        """Recover, migrate and keep a good copy; returns the recovery sentence, if any."""
        remove_stale_temps(self._path)
        data, recovered = open_document(self._path)
        if data is None:
            atomic_write(self._path, encode(new_document()))
            return recovered
        migrated = migrate(data, name=str(self._path))
        if migrated is not data:
            before = self._path.with_name(f"{self._path.name}.schema-{schema_of(data)}")
            atomic_write(before, self._path.read_bytes())   # what an older version can read
            atomic_write(self._path, encode(migrated))
        if primary:
            save_good_copy(self._path, self._path.read_bytes())
        return recovered

    @property
    def path(self) -> Path:
        """The config file; its directory is the appliance's data directory."""
        return self._path

    @property
    def schema_version(self) -> int:
        with self._lock:
            rows = self._db.table(META).all()
            return rows[0]["schema"] if rows else 1

    @property
    def versions(self) -> ConfigVersions:
        """Published versions and the draft of this store (one instance per store)."""
        from appliance.config.versions import ConfigVersions

        with self._lock:
            if self._versions is None:
                self._versions = ConfigVersions(self, self._side_store)
            return self._versions

    def _side_store(self, path: Path) -> ConfigStore:
        """A draft's store: it refuses audio the library lacks, as this one does."""
        side = ConfigStore(path, primary=False)
        side.audio_ids = self.audio_ids
        return side

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock to make several calls one step (e.g. snapshot, then write)."""
        with self._lock:
            yield

    def close(self) -> None:
        """Close the draft, release the file and the writer lock; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._versions is not None:
                self._versions.close()
            self._db.close()
            self._writer.release()

    def subscribe(self, listener: Callable[[Config], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def config(self) -> Config:
        return self._config

    def is_empty(self) -> bool:
        with self._lock:
            return all(len(self._db.table(k)) == 0 for k in KINDS)

    # -- resources ----------------------------------------------------------------------------

    def list(self, kind: str) -> list[dict[str, Any]]:
        self._check_kind(kind)
        return [dump(obj) for obj in getattr(self._config, kind).values()]

    def get(self, kind: str, rid: str) -> dict[str, Any]:
        self._check_kind(kind)
        obj = getattr(self._config, kind).get(rid)
        if obj is None:
            raise NotFound(Text("No %(kind)s with id '%(id)s'.", kind=kind.rstrip("s"), id=rid))
        return dump(obj)

    def create(self, kind: str, doc: Any) -> dict[str, Any]:
        self._check_kind(kind)
        with self._lock:
            rid = parse_id(doc, None) or self._free_id(kind, doc)
            if rid in getattr(self._config, kind):
                raise Conflict(Text("A %(kind)s with id '%(id)s' exists already.",
                                    kind=kind.rstrip("s"), id=rid))
            return self._save(kind, rid, doc)

    def update(self, kind: str, rid: str, doc: Any) -> dict[str, Any]:
        """Replace the resource with ``doc``, validated as a whole: a field left out takes
        its default (``PUT``). To change some fields only, use :meth:`patch`."""
        return self._change(kind, rid, doc, lambda current: doc | {"id": rid})

    def patch(self, kind: str, rid: str, patch: Any) -> dict[str, Any]:
        """Apply a JSON Merge Patch (RFC 7396): nested objects merge, ``null`` removes a
        field (it takes its default), anything else replaces (``PATCH``)."""
        return self._change(kind, rid, patch, lambda current: merge_patch(current, patch))

    def _change(self, kind: str, rid: str, doc: Any,
                new: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        self._check_kind(kind)
        with self._lock:
            current = self.get(kind, rid)
            if not isinstance(doc, dict):
                raise ValidationError({"_": "Expected a JSON object."})
            if doc.get("id", rid) != rid:
                raise ValidationError({"id": "The id cannot be changed."})
            return self._save(kind, rid, new(current))

    def delete(self, kind: str, rid: str) -> None:
        self._check_kind(kind)
        with self._lock:
            self.get(kind, rid)
            users = users_of(kind, rid, self._config)
            if users:
                raise Conflict(Text("Still used by %(users)s; change those first.",
                                    users=", ".join(users)))
            self._db.table(kind).remove(Query().id == rid)
            self._changed()

    def set_presence(self, agent_id: str, presence: Presence) -> dict[str, Any]:
        return self.patch("agents", agent_id, {"presence": Presence(presence).value})

    # -- whole configurations (versions, drafts, backups) -------------------------------------

    def snapshot(self) -> Resources:
        """Every resource in the contract's shape, sorted by id: one consistent moment."""
        config = self._config
        return {kind: [dump(getattr(config, kind)[rid]) for rid in sorted(getattr(config, kind))]
                for kind in KINDS}

    def replace_resources(self, resources: Mapping[str, Iterable[Any]], *,
                          keep_presence: bool = True) -> Config:
        """Make ``resources`` the whole live configuration in ONE atomic write.

        Everything is validated first (documents and references); on any error nothing is
        stored. Settings stay. With ``keep_presence`` an agent present before and after keeps
        its live presence: it is the agent's state, not configuration a version should undo.
        Listeners are told once.
        """
        with self._lock:
            if keep_presence:
                resources = self._with_live_presence(resources)
            config, errors = check_resources(resources)
            errors |= self.missing_audio(config)
            if errors:
                raise ValidationError(errors, "The configuration has mistakes; nothing was "
                                              "changed.")
            data = self._db.storage.read() or new_document()
            for kind in KINDS:
                objs = getattr(config, kind)
                data[kind] = {str(n): dump(objs[rid]) for n, rid in enumerate(sorted(objs), 1)}
            self._db.storage.write(data)
            self._reopen()
            self._changed(config)
            return config

    def export_bytes(self) -> bytes:
        """The config file as it is now, read under the lock (a consistent copy for backups)."""
        with self._lock:
            return self._path.read_bytes()

    # -- settings (secrets are stored hashed by their owners) ---------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            rows = self._db.table(SETTINGS).search(Query().key == key)
            return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.table(SETTINGS).upsert({"key": key, "value": value}, Query().key == key)
            self._wrote()

    # -- internals ----------------------------------------------------------------------------

    def _check_kind(self, kind: str) -> None:
        if kind not in KINDS:
            raise NotFound(f"Unknown collection '{kind}'.")

    def _free_id(self, kind: str, doc: Any) -> str:
        base = _slug(doc.get("name") if isinstance(doc, dict) else None, kind)
        taken = getattr(self._config, kind)
        n, rid = 1, base
        while rid in taken:
            n += 1
            rid = f"{base}-{n}"
        return rid

    def _save(self, kind: str, rid: str, doc: Any) -> dict[str, Any]:
        obj = PARSERS[kind](doc, rid)
        candidate = self._with(kind, obj)
        errors = references(kind, obj, candidate)
        if self.audio_ids is not None:
            errors |= audio_references(kind, obj, self.audio_ids())
        if errors:
            raise ValidationError(errors)
        stored = dump(obj)
        self._db.table(kind).upsert(stored, Query().id == rid)  # one atomic file write
        self._changed(candidate)
        return stored

    def missing_audio(self, config: Config) -> dict[str, str]:
        """``kind.id.field`` errors for uploads the library does not have (a whole config)."""
        if self.audio_ids is None:
            return {}
        known = self.audio_ids()
        return {f"{kind}.{rid}.{field}": message for kind in KINDS
                for rid, obj in getattr(config, kind).items()
                for field, message in audio_references(kind, obj, known).items()}

    def _with(self, kind: str, obj: Any) -> Config:
        parts = {k: dict(getattr(self._config, k)) for k in KINDS}
        parts[kind][obj.id] = obj
        return Config(**parts)

    def _with_live_presence(self, resources: Mapping[str, Iterable[Any]]) -> Resources:
        out = {kind: list(docs) for kind, docs in resources.items()}
        live = self._config.agents
        out["agents"] = [doc | {"presence": live[doc["id"]].presence.value}
                         if isinstance(doc, dict) and doc.get("id") in live else doc
                         for doc in out.get("agents", [])]
        return out

    def _reopen(self) -> None:
        """Forget TinyDB's per-table caches (query results, next ids) after a whole-file write."""
        self._db.close()
        self._db = TinyDB(str(self._path), storage=AtomicJSONStorage)

    def _build_config(self) -> Config:
        parts: dict[str, dict[str, Any]] = {}
        for kind in KINDS:
            parts[kind] = {}
            for doc in self._db.table(kind).all():
                try:
                    parts[kind][doc["id"]] = PARSERS[kind](doc, doc["id"])
                except (ValidationError, KeyError) as exc:
                    log.error("ignoring invalid stored %s %s: %s", kind, doc.get("id"), exc)
        return Config(**parts)

    def _changed(self, config: Config | None = None) -> None:
        self._config = config or self._build_config()
        self._wrote()
        for listener in self._listeners:
            listener(self._config)

    def _wrote(self) -> None:
        """Keep what was just written as the good copy when there is none or it is a day old."""
        if self._primary and good_copy_due(self._path, time.time()):
            save_good_copy(self._path, self._path.read_bytes())


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 §2: the document ``patch`` makes of ``target``."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
