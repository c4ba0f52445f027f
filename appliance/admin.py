"""The owner's administration, as the web sees it: the box's settings and secrets, the API
keys made on the page, published versions and the draft, backups and restores, statistics.

Part of the facade (``ApplianceApi`` hands out one ``Admin``): the web calls these methods and
never reaches the store, the history or the versions behind them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from appliance.config.model import Config, Presence
from appliance.config.review import differences
from appliance.config.store import ConfigStore
from appliance.errors import ApplianceError, NotFound, Text, ValidationError
from appliance.ops.archive import API_KEYS_SETTING, SIM_PINS_SETTING
from appliance.ops.backup import PENDING, make_backup, stage_restore
from appliance.policy import simulate as simulation
from appliance.policy.schedule import Override
from appliance.records import stats
from appliance.records.history import History


class Admin:
    def __init__(self, store: ConfigStore, history: History, *,
                 restored: str | None = None) -> None:
        self._store = store
        self._history = history
        self._restored = restored      # the sentence of a restore applied at this start
        self._settings: dict[str, Any] = {}   # read once each, see ``setting``

    # -- the box's own settings ---------------------------------------------------------------

    def setting(self, key: str) -> Any:
        """A setting, kept in memory after its first read: pages and API requests ask on every
        request (session epoch, API keys, the office's name) and a store read parses the
        config file. Settings change only through ``set_setting`` here (or a restore, applied
        before the facade exists)."""
        if key not in self._settings:
            self._settings[key] = self._store.setting(key)
        return self._settings[key]

    def set_setting(self, key: str, value: Any) -> None:
        self._store.set_setting(key, value)
        self._settings[key] = value

    def secret(self, key: str) -> str:
        """A random secret kept in the settings, made the first time it is asked for (under
        the store's lock, so two threads agree on it)."""
        value = self.setting(key)
        if isinstance(value, str) and len(value) >= 32:
            return value
        with self._store.locked():
            self._settings.pop(key, None)      # another thread may have made it meanwhile
            value = self.setting(key)
            if not isinstance(value, str) or len(value) < 32:
                value = secrets.token_hex(32)
                self.set_setting(key, value)
            return value

    # -- API keys made on the page ---------------------------------------------------------------

    def api_keys(self) -> list[dict[str, str]]:
        """Name, id and creation date of each key (never the key: only its hash is kept)."""
        return [{k: v for k, v in key.items() if k != "hash"} for key in self._keys()]

    def create_api_key(self, name: str, now: str) -> str:
        """A new random key; returned once, to be shown once. A name tells keys apart."""
        name = name.strip()
        if not name or len(name) > 60:
            raise ValidationError({"name": Text("Give the key a name of 1 to 60 characters, "
                                                "e.g. the program that will use it.")})
        key = "sb_" + secrets.token_urlsafe(24)
        with self._store.locked():
            keys = [*self._keys(), {"id": secrets.token_hex(4), "name": name, "created": now,
                                    "hash": _key_hash(key)}]
            self.set_setting(API_KEYS_SETTING, keys)
        return key

    def revoke_api_key(self, key_id: str) -> None:
        with self._store.locked():
            keys = self._keys()
            if not any(k["id"] == key_id for k in keys):
                raise NotFound(f"No API key with id '{key_id}'.")
            self.set_setting(API_KEYS_SETTING, [k for k in keys if k["id"] != key_id])

    def api_key_name(self, given: str) -> str | None:
        """The name of the page's key ``given`` is, or None (constant time per stored key)."""
        digest = _key_hash(given)
        found = [k["name"] for k in self._keys() if hmac.compare_digest(digest, k["hash"])]
        return found[0] if found else None

    def _keys(self) -> list[dict[str, str]]:
        keys = self.setting(API_KEYS_SETTING)
        return list(keys) if isinstance(keys, list) else []

    # -- SIM PINs typed on the page -----------------------------------------------------------

    def sim_pin(self, line_id: str) -> str | None:
        """The PIN the owner gave for this line's SIM (for the driver only; the page is told
        whether one is set, never the PIN)."""
        pins = self.setting(SIM_PINS_SETTING)
        return pins.get(line_id) if isinstance(pins, dict) else None

    def set_sim_pin(self, line_id: str, pin: str | None) -> None:
        """Keep (or, with None, forget) the PIN; the modem uses it when the line next starts.
        Never in a backup: a backup may travel on a USB stick."""
        if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValidationError({"sim_pin": Text("A SIM PIN is 4 to 8 digits.")})
        with self._store.locked():
            pins = self.setting(SIM_PINS_SETTING)
            pins = dict(pins) if isinstance(pins, dict) else {}
            if pin is None:
                pins.pop(line_id, None)
            else:
                pins[line_id] = pin
            self.set_setting(SIM_PINS_SETTING, pins)

    # -- versions and the draft -----------------------------------------------------------------

    def versions(self) -> dict[str, Any]:
        versions = self._store.versions
        return {"versions": [v.to_dict() for v in versions.versions()],
                "draft": versions.has_draft()}

    def publish(self, note: str, who: str = "") -> int:
        return self._store.versions.publish(note, who)

    def restore_version(self, version_id: int, who: str = "") -> dict[str, Any]:
        return self._store.versions.restore(version_id, who).to_dict()

    def start_draft(self) -> None:
        """Open a draft (a copy of the live configuration) for the pages to edit."""
        self._store.versions.draft()

    def draft_differences(self) -> list[dict[str, Any]]:
        """What publishing the draft would change (nothing without a draft)."""
        versions = self._store.versions
        if not versions.has_draft():
            return []
        return [d.to_dict() for d in differences(self._store.snapshot(),
                                                 versions.draft().snapshot())]

    def has_draft(self) -> bool:
        """Cheap (a file's existence): pages ask on every request."""
        return self._store.versions.has_draft()

    def draft_config(self) -> Config:
        """The draft's configuration, or the live one when there is no draft."""
        return self._draft_or_live().config()

    def draft_check(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self._store.versions.draft_check()]

    def publish_draft(self, note: str, who: str = "") -> int:
        return self._store.versions.publish_draft(note, who)

    def discard_draft(self) -> None:
        self._store.versions.discard_draft()

    def draft_list(self, kind: str) -> list[dict[str, Any]]:
        return self._draft_or_live().list(kind)

    def draft_get(self, kind: str, rid: str) -> dict[str, Any]:
        return self._draft_or_live().get(kind, rid)

    def draft_create(self, kind: str, doc: Any) -> dict[str, Any]:
        return self._in_draft(lambda draft: draft.create(kind, doc))

    def draft_update(self, kind: str, rid: str, doc: Any) -> dict[str, Any]:
        return self._in_draft(lambda draft: draft.update(kind, rid, doc))

    def draft_patch(self, kind: str, rid: str, patch: Any) -> dict[str, Any]:
        return self._in_draft(lambda draft: draft.patch(kind, rid, patch))

    def draft_delete(self, kind: str, rid: str) -> None:
        self._in_draft(lambda draft: draft.delete(kind, rid))

    def simulate(self, line: str, at: datetime, digits: str, *, config: str | None = None,
                 presence: Mapping[str, str] | None = None,
                 audio_names: Mapping[str, str] | None = None,
                 overrides: Mapping[str, Override] | None = None) -> dict[str, Any]:
        """What would happen to a call on ``line`` at ``at`` pressing ``digits`` (no call is
        placed; see ``policy.simulate``), on the draft when there is one or ``config`` is
        "draft", on the live configuration when there is no draft or ``config`` is "live".
        ``presence``: agent id -> "available" / "away" / "offline" (the live ones); a naive
        ``at`` is read in the line's schedule's zone; ``overrides``: hours open or closed by
        hand. The answer says which configuration was used."""
        if config not in (None, "draft", "live"):
            raise ValidationError({"config": Text('Use "draft" or "live", or leave it out for '
                                                  "the draft when there is one.")})
        versions = self._store.versions
        with self._store.locked():     # a draft discarded meanwhile must not be made anew
            used = "draft" if config != "live" and versions.has_draft() else "live"
            snapshot = versions.draft().config() if used == "draft" else self._store.config()
        known = {a: Presence(p) for a, p in (presence or {}).items() if p in set(Presence)}
        return simulation.simulate(snapshot, line, at, digits, presence=known,
                                   audio_names=audio_names, overrides=overrides,
                                   ).to_dict() | {"config": used}

    def _draft_or_live(self) -> ConfigStore:
        """Reading a draft that does not exist yet reads what it would start from."""
        versions = self._store.versions
        return versions.draft() if versions.has_draft() else self._store

    def _in_draft(self, change: Callable[[ConfigStore], Any]) -> Any:
        """Apply ``change`` to the draft; a refused change leaves no new draft behind."""
        versions = self._store.versions
        had_draft = versions.has_draft()
        try:
            return change(versions.draft())
        except ApplianceError:
            if not had_draft:
                versions.discard_draft()
            raise

    # -- backups ----------------------------------------------------------------------------------

    @property
    def _data_dir(self) -> Path:
        return self._store.path.parent

    def backup(self, out: BinaryIO) -> None:
        make_backup(self._data_dir, out, store=self._store)

    def stage_restore(self, archive: BinaryIO) -> dict[str, Any]:
        return stage_restore(archive, self._data_dir, store=self._store).to_dict()

    def storage(self) -> dict[str, Any]:
        store = self._store
        return {"schema_version": store.schema_version, "recovered": store.recovered,
                "restored": self._restored,
                "restore_pending": (self._data_dir / PENDING).is_dir()}

    # -- figures ----------------------------------------------------------------------------------

    def stats(self, start: date, end: date, **options: Any) -> list[dict[str, Any]]:
        """``stats.summary`` over the call history (``tz``, ``by``, ``service_level_s``...)."""
        return stats.summary(self._history, start, end, **options)

    def stats_total(self, start: date, end: date, **options: Any) -> dict[str, Any]:
        """The figures of the whole range (``tz``, ``service_level_s``)."""
        return stats.total(self._history, start, end, **options)


def _key_hash(key: str) -> str:
    """SHA-256 is enough for a 192-bit random key (a slow password hash would cost every API
    request); the stored hash cannot be turned back into the key."""
    return hashlib.sha256(key.encode()).hexdigest()
