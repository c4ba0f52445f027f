"""The texts the box sends: the owner's templates, their cost in SMS parts, who can get them.

Pure functions. A template is filled by name (``{hours}``, ``{when}``), never with
``str.format``, so a stray brace an owner typed is kept as typed. Length is counted the way the
modem will send it (``hardware.modem.pdu``): GSM-7 fits 160 characters in one SMS and 153 per
part when split; one character outside GSM-7 (an emoji, "ç" is inside, "ó" is not) makes the
whole text UCS-2, 70 and 67 per part, which is what surprises owners typing accents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from appliance.errors import Text
from hardware.modem.pdu import Encoding, choose_encoding, split_text


class Template(StrEnum):
    MISSED_CALL = "missed_call"     # after an abandoned, busy or out-of-hours call
    CALLBACK = "callback"           # confirms a callback request


PLACEHOLDERS = {Template.MISSED_CALL: ("hours",), Template.CALLBACK: ("when",)}
MAX_PARTS = 3                        # a template longer than this costs too much per caller
MAX_SMS_TEXT = 1600                  # what a reply from the page may be (ten parts)

DEFAULTS: dict[str, dict[Template, str]] = {
    "es": {
        Template.MISSED_CALL: "Hemos perdido su llamada. {hours} "
                              "Responda SI y le llamamos.",
        Template.CALLBACK: "Le llamaremos desde este número {when}.",
    },
    "en": {
        Template.MISSED_CALL: "We missed your call. {hours} "
                              "Reply YES and we will call you back.",
        Template.CALLBACK: "We will call you back from this number {when}.",
    },
}
LANGUAGES = tuple(DEFAULTS)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Length:
    """What a text costs: its encoding, its characters and the SMS parts it is sent in."""

    encoding: str          # "GSM-7" | "UCS-2"
    characters: int
    parts: int

    def to_dict(self) -> dict[str, object]:
        return {"encoding": self.encoding, "characters": self.characters, "parts": self.parts}


def sms_length(text: str) -> Length:
    encoding = choose_encoding(text)
    name = "GSM-7" if encoding is Encoding.GSM7 else "UCS-2"
    return Length(name, len(text), len(split_text(text, encoding)) if text else 0)


def fill(template: str, **values: str) -> str:
    """``template`` with each known ``{name}`` replaced; anything else stays as typed."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def template_problem(kind: Template, text: str) -> Text | None:
    """Why an owner's template cannot be used, or None."""
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - set(PLACEHOLDERS[kind]))
    if unknown:
        return Text("Unknown placeholder {%(name)s}; this text may use: %(known)s.",
                    name=unknown[0], known=", ".join(f"{{{p}}}" for p in PLACEHOLDERS[kind]))
    if sms_length(fill(text, **dict.fromkeys(PLACEHOLDERS[kind], "x" * 40))).parts > MAX_PARTS:
        return Text("Too long: at most %(parts)d SMS parts with the placeholders filled in.",
                    parts=MAX_PARTS)
    return None


# Mobile numbers by country calling code: the national significant number's first digits.
# A number from a country not listed is assumed to be a mobile (a text to a landline is only
# refused by the network); a number that is neither international nor national is not one.
MOBILE_PREFIXES = {
    "34": ("6", "7"),                  # Spain
    "351": ("9",),                     # Portugal
    "33": ("6", "7"),                  # France
    "39": ("3",),                      # Italy
    "44": ("7",),                      # United Kingdom
    "49": ("15", "16", "17"),          # Germany
    "52": ("",),                       # Mexico: one numbering plan for both
    "1": ("",),                        # NANP: no way to tell
}
NATIONAL_CODE = {"ES": "34", "PT": "351", "FR": "33", "IT": "39", "GB": "44", "DE": "49",
                 "MX": "52", "US": "1", "CA": "1"}
_TRUNK_PREFIX = {"33", "44", "49"}     # countries whose national numbers start with a 0


def is_mobile(number: str | None, country: str = "ES") -> bool:
    """Whether a caller's number can take a text: withheld numbers and short service numbers
    cannot; national numbers are read in the box's ``country``."""
    if not number:
        return False
    digits = number.lstrip("+")
    if not digits.isdigit() or len(digits) < 8:
        return False
    if number.startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00")
        code = next((c for c in sorted(MOBILE_PREFIXES, key=len, reverse=True)
                     if digits.startswith(c)), None)
        if code is None:
            return True
        national = digits[len(code):]
    else:
        code = NATIONAL_CODE.get(country.upper())
        if code is None:
            return True
        national = digits[1:] if code in _TRUNK_PREFIX and digits.startswith("0") else digits
    return national.startswith(MOBILE_PREFIXES[code])


WHEN = {
    "es": {"soon": "en unos {n} minutos", "later": "el {day} a partir de las {time}",
           "days": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
           "today": "hoy a partir de las {time}", "tomorrow": "mañana a partir de las {time}"},
    "en": {"soon": "in about {n} minutes", "later": "on {day} from {time}",
           "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday"),
           "today": "today from {time}", "tomorrow": "tomorrow from {time}"},
}


def when_text(language: str, now: datetime, *, minutes: int | None = None,
              opening: datetime | None = None) -> str:
    """"in about 10 minutes", or when the office opens ("on Monday from 9:00")."""
    words = WHEN.get(language, WHEN["en"])
    if opening is None or opening <= now:
        return fill(words["soon"], n=str(max(5, -(-(minutes or 5) // 5) * 5)))
    local_now = now.astimezone(opening.tzinfo)
    clock = f"{opening.hour}:{opening.minute:02d}"
    if opening.date() == local_now.date():
        return fill(words["today"], time=clock)
    if opening.date() == local_now.date() + timedelta(days=1):
        return fill(words["tomorrow"], time=clock)
    if opening.date() - local_now.date() < timedelta(days=7):
        return fill(words["later"], day=words["days"][opening.weekday()], time=clock)
    return fill(words["later"], day=opening.date().isoformat(), time=clock)
