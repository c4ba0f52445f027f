"""The texts the box sends, as pure functions: SMS parts, templates, mobile numbers, "when",
the owner's settings and the team fields that turn callbacks and texts on."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.config.messaging import Messaging, dump_messaging, parse_messaging
from appliance.config.validation import parse_team
from appliance.errors import ValidationError
from appliance.policy.texts import (
    DEFAULTS,
    Template,
    fill,
    is_mobile,
    sms_length,
    template_problem,
    when_text,
)

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(("text", "expected"), [
    ("", ("GSM-7", 0, 0)),
    ("a" * 160, ("GSM-7", 160, 1)),                 # one SMS holds 160 GSM-7 characters
    ("a" * 161, ("GSM-7", 161, 2)),                 # split: 153 per part
    ("a" * 306, ("GSM-7", 306, 2)),
    ("a" * 307, ("GSM-7", 307, 3)),
    ("Año ñandú à la carte", ("UCS-2", 20, 1)),     # "ú" is outside GSM-7
    ("ó" * 70, ("UCS-2", 70, 1)),                   # 70 UCS-2 characters in one SMS
    ("ó" * 71, ("UCS-2", 71, 2)),                   # 67 per part
    ("Ñandú 😀", ("UCS-2", 7, 1)),
])
def test_sms_parts_are_counted_as_the_modem_sends_them(text, expected):
    length = sms_length(text)
    assert (length.encoding, length.characters, length.parts) == expected


def test_the_default_missed_call_text_fits_one_gsm7_sms_with_a_week_of_hours():
    hours = "Abrimos de lunes a viernes de 9:00 a 14:00 y de 16:00 a 19:00."
    text = fill(DEFAULTS["es"][Template.MISSED_CALL], hours=hours)
    assert sms_length(text).encoding == "GSM-7"
    assert sms_length(text).parts == 1


def test_fill_replaces_only_known_placeholders():
    assert fill("{when}, {nope} {", when="hoy") == "hoy, {nope} {"


def test_template_problems_name_the_placeholder_or_the_length():
    assert template_problem(Template.CALLBACK, "Le llamamos {when}.") is None
    assert "{hours}" in template_problem(Template.CALLBACK, "Horario {hours}")
    assert "SMS parts" in template_problem(Template.MISSED_CALL, "ó" * 250)


@pytest.mark.parametrize(("number", "mobile"), [
    ("600111222", True), ("712345678", True), ("912345678", False), ("+34600111222", True),
    ("0034600111222", True), ("+34912345678", False), ("+447700900123", True),
    ("07700900123", False),            # national in Spain's plan: not a Spanish mobile
    ("+33612345678", True), ("+33112345678", False), ("+15551234567", True),
    ("+99912345678", True),            # a country we do not know: assumed mobile
    ("112", False), ("", False), (None, False), ("60011122x", False),
])
def test_which_numbers_can_take_a_text(number, mobile):
    assert is_mobile(number, "ES") is mobile


def test_national_numbers_follow_the_box_country():
    assert is_mobile("07700900123", "GB")
    assert not is_mobile("01632960123", "GB")


def test_when_text_says_minutes_or_the_opening():
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)              # Wednesday 10:00 in Madrid
    assert when_text("es", now, minutes=7) == "en unos 10 minutos"
    assert when_text("en", now, minutes=1) == "in about 5 minutes"
    assert when_text("es", now, opening=datetime(2026, 11, 25, 11, 0, tzinfo=MADRID)) == \
        "hoy a partir de las 11:00"
    assert when_text("es", now, opening=datetime(2026, 11, 26, 9, 0, tzinfo=MADRID)) == \
        "mañana a partir de las 9:00"
    assert when_text("es", now, opening=datetime(2026, 11, 30, 9, 30, tzinfo=MADRID)) == \
        "el lunes a partir de las 9:30"
    assert when_text("en", now, opening=datetime(2026, 12, 24, 9, 0, tzinfo=MADRID)) == \
        "on 2026-12-24 from 9:00"


def test_messaging_settings_round_trip_and_name_every_bad_field():
    settings = parse_messaging({"owner_mobile": "+34 699 000 000", "summary_at": "19:30",
                                "templates": {"es": {"callback": "Le llamamos {when}."}}})
    assert settings.owner_mobile == "+34699000000"
    assert settings.template("es", Template.CALLBACK) == "Le llamamos {when}."
    assert settings.template("en", Template.CALLBACK) == DEFAULTS["en"][Template.CALLBACK]
    assert parse_messaging(dump_messaging(settings)) == settings
    assert parse_messaging({}) == Messaging()
    with pytest.raises(ValidationError) as bad:
        parse_messaging({"owner_mobile": "call me", "summary_at": "25:00",
                         "quiet_close_min": 1, "missed_call_texts": "yes",
                         "templates": {"es": {"missed_call": "Hola {nombre}"}, "fr": {}}})
    assert set(bad.value.fields) == {"owner_mobile", "summary_at", "quiet_close_min",
                                     "missed_call_texts", "templates.es.missed_call",
                                     "templates.fr"}


def test_team_fields_for_callbacks_and_texts():
    team = parse_team({"name": "T", "channels": ["voice", "sms"], "callback_key": "#",
                       "callback_tries": 5, "callback_every_min": 30}, "t")
    assert {c.value for c in team.channels} == {"voice", "sms"}
    assert (team.callback_key, team.callback_tries, team.callback_every_min) == ("#", 5, 30)
    assert parse_team({"name": "T", "callback_key": ""}, "t").callback_key is None
    assert parse_team({"name": "T"}, "t").callback_key == "1"         # the contract's default
    with pytest.raises(ValidationError) as bad:
        parse_team({"name": "T", "channels": [], "callback_key": "0", "callback_tries": 0},
                   "t")
    assert set(bad.value.fields) == {"channels", "callback_key", "callback_tries"}
