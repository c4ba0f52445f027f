"""What an SMS reply means as consent, and whether consent is in force (rule 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appliance.policy.consent import Reply, read_reply, valid_consent

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "meaning"), [
    ("sí", Reply.YES), ("Sí.", Reply.YES), ("SI!!", Reply.YES), ("si", Reply.YES),
    (" Yes ", Reply.YES), ("1", Reply.YES), ("sí 👍", Reply.YES), ("¡Sí!", Reply.YES),
    ("No", Reply.NO), ("STOP", Reply.NO), ("Baja.", Reply.NO), ("baja ", Reply.NO),
    ("si no me llaman me enfado", Reply.OTHER), ("sí, pero mañana", Reply.OTHER),
    ("2", Reply.OTHER), ("", Reply.OTHER), ("Hola, ¿a qué hora abren?", Reply.OTHER),
])
def test_a_reply_means_yes_no_or_nothing(text, meaning):
    assert read_reply(text) is meaning


def record(rid: int, at: datetime, *, granted: bool = True, number: str = "600111222",
           expires: datetime | None = None) -> dict:
    return {"id": rid, "number": number, "channel": "sms", "at": at.isoformat(),
            "granted": granted, "expires": expires.isoformat() if expires else None}


def test_consent_holds_until_it_expires():
    given = [record(1, NOW - timedelta(hours=2), expires=NOW + timedelta(hours=22))]
    assert valid_consent(given, "600111222", NOW).record_id == 1
    assert valid_consent(given, "600111222", NOW + timedelta(hours=22)) is None
    assert valid_consent(given, "699000000", NOW) is None               # someone else


def test_an_old_record_without_an_end_lasts_24_hours():
    old = [record(1, NOW - timedelta(hours=23))]
    assert valid_consent(old, "600111222", NOW) is not None
    assert valid_consent(old, "600111222", NOW + timedelta(hours=1)) is None


def test_the_newest_record_decides_whatever_the_order():
    taken_back = [record(2, NOW - timedelta(hours=1), granted=False),
                  record(1, NOW - timedelta(hours=2))]
    assert valid_consent(taken_back, "600111222", NOW) is None
    given_again = [*taken_back, record(3, NOW - timedelta(minutes=5))]
    assert valid_consent(list(reversed(given_again)), "600111222", NOW).record_id == 3
