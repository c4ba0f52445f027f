"""Consent to be called: what a caller's SMS reply means, and whether a number may be called.

Rule 4 of the design: the box never calls anyone who did not agree to it. A caller agrees by
replying "sí" (or "si", "yes", "1") to a text from the box, or by a key during a call (the
callback flow); "no", "stop" or "baja" takes it back. An agreement lasts ``VALID_HOURS``. Only
the newest record of a number counts: a later "no" undoes an earlier "sí".

Pure functions: the core reads the records from the history and asks here.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

VALID_HOURS = 24
YES = frozenset({"si", "yes", "1"})
NO = frozenset({"no", "stop", "baja"})


class Reply(Enum):
    YES = "yes"
    NO = "no"
    OTHER = "other"


def read_reply(text: str) -> Reply:
    """What a text means as an answer: accents, case, spaces, punctuation and emoji aside,
    the whole message must be one of the words (so "si no me llaman..." is not a yes)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    word = "".join(c for c in plain if c in string.ascii_lowercase + string.digits)
    if word in YES:
        return Reply.YES
    return Reply.NO if word in NO else Reply.OTHER


@dataclass(frozen=True)
class Consent:
    """The record that lets the box call ``number`` until ``expires``."""

    number: str
    at: datetime
    expires: datetime
    channel: str              # "dtmf" (a key during a call) | "sms" (a reply)
    record_id: int


def valid_consent(records: list[dict[str, Any]], number: str, now: datetime) -> Consent | None:
    """The consent in force for ``number`` at ``now``, from its records (any order), or None:
    never given, taken back since, or expired."""
    mine = [r for r in records if r["number"] == number]
    if not mine:
        return None
    newest = max(mine, key=lambda r: r["id"])
    if not newest["granted"]:
        return None
    at = datetime.fromisoformat(newest["at"])
    expires = (datetime.fromisoformat(newest["expires"]) if newest.get("expires")
               else at + timedelta(hours=VALID_HOURS))
    if now >= expires:
        return None
    return Consent(number, at, expires, newest["channel"], newest["id"])
