"""The configuration store: TinyDB documents behind one lock with atomic, durable writes.

TinyDB's own ``JSONStorage`` rewrites its file in place and can be left half-written by a power
cut (see shared/reference/hardware-and-os.md §7). ``AtomicJSONStorage`` writes a temporary file,
fsyncs it, renames it over the old one and fsyncs the directory, so the file on disk is always
either the old or the new version. Every write is validated first; a rejected write stores
nothing. Listeners receive the new ``Config`` after each change (the core subscribes).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from .documents import dump, references, users_of
from .errors import Conflict, NotFound, ValidationError
from .model import Config, Presence
from .validation import PARSERS, parse_id

log = logging.getLogger(__name__)

KINDS = tuple(PARSERS)
SETTINGS = "settings"
TMP_PREFIX = ".tmp-"


class StoreCorrupt(RuntimeError):
    """The config file exists but cannot be read; never silently replaced by an empty one."""


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically (temp file, fsync, rename, dir fsync)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.path.parent.glob(TMP_PREFIX + self.path.name + "*"):
            stale.unlink(missing_ok=True)

    def read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreCorrupt(f"{self.path} is damaged ({exc}); restore a backup.") from exc

    def write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + self.path.name, dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        pass


def _slug(name: Any, kind: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", str(name or "").lower()).strip("-")[:30]
    return base or kind.rstrip("s")


class ConfigStore:
    """The single owner of the TinyDB file. All methods are thread-safe."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._db = TinyDB(str(path), storage=AtomicJSONStorage)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Config], None]] = []
        self._config = self._build_config()

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
            raise NotFound(f"No {kind.rstrip('s')} with id '{rid}'.")
        return dump(obj)

    def create(self, kind: str, doc: Any) -> dict[str, Any]:
        self._check_kind(kind)
        with self._lock:
            rid = parse_id(doc, None) or self._free_id(kind, doc)
            if rid in getattr(self._config, kind):
                raise Conflict(f"A {kind.rstrip('s')} with id '{rid}' exists already.")
            return self._save(kind, rid, doc)

    def update(self, kind: str, rid: str, doc: Any) -> dict[str, Any]:
        """Change the fields given in ``doc``; fields not given keep their values."""
        self._check_kind(kind)
        with self._lock:
            current = self.get(kind, rid)
            if not isinstance(doc, dict):
                raise ValidationError({"_": "Expected a JSON object."})
            if doc.get("id", rid) != rid:
                raise ValidationError({"id": "The id cannot be changed."})
            return self._save(kind, rid, current | doc)

    def delete(self, kind: str, rid: str) -> None:
        self._check_kind(kind)
        with self._lock:
            self.get(kind, rid)
            users = users_of(kind, rid, self._config)
            if users:
                raise Conflict(f"Still used by {', '.join(users)}; change those first.")
            self._db.table(kind).remove(Query().id == rid)
            self._changed()

    def set_presence(self, agent_id: str, presence: Presence) -> dict[str, Any]:
        return self.update("agents", agent_id, {"presence": Presence(presence).value})

    # -- settings (secrets are stored hashed by their owners) ---------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        with self._lock:
            rows = self._db.table(SETTINGS).search(Query().key == key)
            return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.table(SETTINGS).upsert({"key": key, "value": value}, Query().key == key)

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
        if errors:
            raise ValidationError(errors)
        stored = dump(obj)
        self._db.table(kind).upsert(stored, Query().id == rid)  # one atomic file write
        self._changed(candidate)
        return stored

    def _with(self, kind: str, obj: Any) -> Config:
        parts = {k: dict(getattr(self._config, k)) for k in KINDS}
        parts[kind][obj.id] = obj
        return Config(**parts)

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
        for listener in self._listeners:
            listener(self._config)
