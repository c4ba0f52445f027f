"""Config versions (design rule 9): try changes in a draft, publish them, restore an older one.

Why this shape:

* The live store *is* what the core runs; nothing else is "published". A version is a snapshot
  of the six resource collections (never settings: they hold the password hash and the session
  key, which a restore must not roll back), kept in ``versions.json`` beside the config file,
  written atomically, the newest ``KEEP`` of them.
* The draft is a second ``ConfigStore`` on ``draft.json``: the same CRUD, the same validation,
  its own atomic file. It starts as a copy of the live configuration, is edited and checked
  (validation, references, menu warnings), and ``publish_draft`` makes it live in one atomic
  write and records a version. A simulator can run on ``draft().config()``.
* ``restore`` replaces the live configuration in one atomic write after validating it. If the
  live configuration was never published as it is, it is recorded first ("automatic"), so a
  restore can itself be undone.

All operations hold the live store's lock, so a version is exactly what was live at that moment.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from appliance.config.durable import (
    LOCK_SUFFIX,
    atomic_write,
    encode,
    new_document,
    remove_stale_temps,
)
from appliance.config.resources import KINDS, SETTINGS, Resources, check_resources, fingerprint
from appliance.config.review import Level, Problem, checks
from appliance.errors import NotFound, ValidationError

log = logging.getLogger(__name__)

VERSIONS_FILE = "versions.json"
DRAFT_FILE = "draft.json"
KEEP = 10
FORMAT = 1
MAX_NOTE = 200
BASED_ON = "based_on"


@dataclass(frozen=True)
class VersionInfo:
    id: int
    published_at: str
    note: str
    counts: dict[str, int]
    who: str = ""         # the person or API key that published it ("" before they were kept)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _info(record: Mapping[str, Any]) -> VersionInfo:
    return VersionInfo(record["id"], record["published_at"], record["note"],
                       {kind: len(docs) for kind, docs in record["resources"].items()},
                       record.get("who", ""))


def _note(note: Any) -> str:
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise ValidationError({"note": f"A text of at most {MAX_NOTE} characters."})
    return note.strip()


class Store(Protocol):
    """What versions use of a configuration store. ``ConfigStore`` hands itself over, with how
    to open its draft, so this module does not import the store (which imports it)."""

    path: Path

    def locked(self) -> AbstractContextManager[None]: ...
    def snapshot(self) -> Resources: ...
    def replace_resources(self, resources: Mapping[str, Iterable[Any]], *,
                          keep_presence: bool = ...) -> Any: ...
    def setting(self, key: str, default: Any = None) -> Any: ...
    def close(self) -> None: ...


class ConfigVersions:
    """Versions and the draft of one live store; get it as ``store.versions``."""

    def __init__(self, store: Store, open_draft: Callable[[Path], Store]) -> None:
        self._store = store
        self._open_draft = open_draft
        self.path = store.path.with_name(VERSIONS_FILE)
        self.draft_path = store.path.with_name(DRAFT_FILE)
        self._draft: Store | None = None
        remove_stale_temps(self.path)

    def close(self) -> None:
        with self._store.locked():
            if self._draft is not None:
                self._draft.close()
                self._draft = None

    # -- published versions -------------------------------------------------------------------

    def publish(self, note: str = "", who: str = "") -> int:
        """Record the live configuration as a new version; returns its id."""
        note = _note(note)
        with self._store.locked():
            return self._record(self._store.snapshot(), note, who)

    def versions(self) -> list[VersionInfo]:
        """The kept versions, newest first."""
        with self._store.locked():
            return [_info(r) for r in reversed(self._load()["versions"])]

    def resources(self, version_id: int) -> Resources:
        """The documents of one version (what ``restore`` would make live)."""
        with self._store.locked():
            return self._find(version_id)["resources"]

    def restore(self, version_id: int, who: str = "") -> VersionInfo:
        """Make a kept version live again, in one atomic write; listeners hear once."""
        with self._store.locked():
            record = self._find(version_id)
            self._must_fit(record["resources"], f"Version {version_id} does not fit this "
                                                "Switchboard any more; nothing was changed.")
            self._keep_live(f"Automatic: the configuration before restoring version "
                            f"{version_id}", who)
            self._store.replace_resources(record["resources"])
            log.info("restored configuration version %s", version_id)
            return _info(record)

    # -- the draft ----------------------------------------------------------------------------

    def has_draft(self) -> bool:
        return self.draft_path.exists()

    def draft(self) -> Any:
        """The draft store (a ``ConfigStore``), started as a copy of the live configuration
        when there is none."""
        with self._store.locked():
            if self._draft is None:
                if not self.draft_path.exists():
                    self._start_draft()
                self._draft = self._open_draft(self.draft_path)
            return self._draft

    def draft_check(self) -> list[Problem]:
        """Everything the owner should know before publishing the draft (errors block it).

        Without a draft the live configuration is checked (a draft starts as a copy of it),
        and no draft is created: checking has no side effects.
        """
        with self._store.locked():
            draft = self.draft() if self.has_draft() else self._store
            config, errors = check_resources(draft.snapshot())
            problems = [Problem(Level.ERROR, where, message) for where, message in errors.items()]
            problems += checks(config, getattr(self._store, "audio_ids", None))
            if draft is not self._store and draft.setting(BASED_ON) != fingerprint(
                    self._store.snapshot()):
                problems.append(Problem(Level.WARNING, "draft", (
                    "The live configuration changed after this draft was started; publishing "
                    "the draft replaces those changes.")))
            return problems

    def publish_draft(self, note: str = "", who: str = "") -> int:
        """Make the draft live (one atomic write), record it as a version, end the draft.

        What was live is recorded first unless it already is the newest version, so the
        owner can always put it back in one click.
        """
        note = _note(note)
        with self._store.locked():
            if not self.has_draft():
                raise NotFound("There is no draft to publish.")
            resources = self.draft().snapshot()
            self._must_fit(resources, "The draft has mistakes; nothing was published.")
            self._keep_live("Automatic: the configuration before publishing", who)
            self._store.replace_resources(resources)
            version_id = self._record(self._store.snapshot(), note, who)
            self.discard_draft()
            return version_id

    def discard_draft(self) -> None:
        with self._store.locked():
            self.close()
            remove_stale_temps(self.draft_path)
            for leftover in (self.draft_path, self.draft_path.with_name(DRAFT_FILE + LOCK_SUFFIX)):
                leftover.unlink(missing_ok=True)

    # -- internals ----------------------------------------------------------------------------

    def _must_fit(self, resources: Resources, message: str) -> None:
        """Refuse before anything is kept or written: documents, references, uploaded audio."""
        config, errors = check_resources(resources)
        errors |= self._store.missing_audio(config)
        if errors:
            raise ValidationError(errors, message)

    def _start_draft(self) -> None:
        live = self._store.snapshot()
        data = new_document()
        for kind in KINDS:
            data[kind] = {str(n): doc for n, doc in enumerate(live[kind], 1)}
        data[SETTINGS] = {"1": {"key": BASED_ON, "value": fingerprint(live)},
                                "2": {"key": "started_at", "value": _now()}}
        atomic_write(self.draft_path, encode(data))

    def _keep_live(self, note: str, who: str) -> None:
        """Record the live configuration unless the newest version already is it."""
        live = self._store.snapshot()
        kept = self._load()["versions"]
        if not kept or kept[-1]["fingerprint"] != fingerprint(live):
            self._record(live, note, who)

    def _find(self, version_id: int) -> dict[str, Any]:
        for record in self._load()["versions"]:
            if record["id"] == version_id:
                return record
        raise NotFound(f"No kept version {version_id}; only the last {KEEP} are kept.")

    def _record(self, resources: Resources, note: str, who: str) -> int:
        data = self._load()
        version_id = data["next_id"]
        data["versions"].append({"id": version_id, "published_at": _now(), "note": note,
                                 "who": who, "fingerprint": fingerprint(resources),
                                 "resources": resources})
        data["versions"] = data["versions"][-KEEP:]
        data["next_id"] = version_id + 1
        atomic_write(self.path, encode(data))
        return version_id

    def _load(self) -> dict[str, Any]:
        """The versions file; a damaged one is kept aside (and logged), never overwritten."""
        empty = {"format": FORMAT, "next_id": 1, "versions": []}
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return empty
        try:
            data = json.loads(raw)
            if (isinstance(data, dict) and isinstance(data.get("versions"), list)
                    and isinstance(data.get("next_id"), int)):
                return data
            reason = "not a list of versions"
        except ValueError as exc:
            reason = str(exc)
        aside = self.path.with_name(f"{VERSIONS_FILE}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
        self.path.replace(aside)
        log.error("%s was damaged (%s); kept it as %s and started a new list of versions",
                  self.path, reason, aside.name)
        return empty
