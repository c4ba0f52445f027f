"""A whole configuration as plain documents: its collections, checked all at once, and its
fingerprint. Shared by the store, published versions and drafts, and backups, none of which
then needs another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from appliance.config.documents import references
from appliance.config.model import Config
from appliance.config.validation import PARSERS, parse_id
from appliance.errors import ValidationError

KINDS = tuple(PARSERS)
SETTINGS = "settings"

Resources = dict[str, list[dict[str, Any]]]   # kind -> documents in the contract's shape


def check_resources(resources: Mapping[str, Iterable[Any]]) -> tuple[Config, dict[str, str]]:
    """Validate a whole configuration at once: every document, then every reference.

    Used where many documents arrive together (a version restore, a draft, a backup), so the
    result is all-or-nothing. Errors are keyed ``kind.id.field`` so the page can point at them.
    """
    parts: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    errors: dict[str, str] = {}
    for kind in resources:
        if kind not in KINDS:
            errors[kind] = f"Unknown collection '{kind}'."
    for kind in KINDS:
        for n, doc in enumerate(resources.get(kind, ())):
            try:
                rid = parse_id(doc, None)
                if rid is None:
                    raise ValidationError({"id": "Required."})
                if rid in parts[kind]:
                    raise ValidationError({"id": "Used twice."})
                parts[kind][rid] = PARSERS[kind](doc, rid)
            except ValidationError as exc:
                where = doc.get("id") if isinstance(doc, dict) else None
                for field, message in exc.fields.items():
                    errors[f"{kind}.{where or n}.{field}"] = message
    config = Config(**parts)
    for kind in KINDS:
        for rid, obj in parts[kind].items():
            for field, message in references(kind, obj, config).items():
                errors[f"{kind}.{rid}.{field}"] = message
    return config, errors


def fingerprint(resources: Mapping[str, Iterable[Mapping[str, Any]]]) -> str:
    """A short hash of a configuration, ignoring agents' presence (live state, not config)."""
    plain = {kind: sorted(({k: v for k, v in d.items() if k != "presence"} for d in docs),
                          key=lambda d: str(d.get("id")))
             for kind, docs in resources.items()}
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]
