"""The owner's text-message settings: their mobile, the templates, missed-call texts, the daily
summary and how SMS conversations are shared out.

One document (a setting of the store, not a collection: there is one per box), validated like
the resources so a bad field comes back as a 400 naming it and nothing half-valid is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from appliance.config.validation import TIME_RE, Reader
from appliance.errors import Text
from appliance.policy.texts import DEFAULTS, LANGUAGES, Template, template_problem

SETTING = "messaging"
MOBILE_RE = re.compile(r"\+?[0-9]{6,20}")


def _default_templates() -> Mapping[str, Mapping[Template, str]]:
    return MappingProxyType({lang: MappingProxyType(dict(t)) for lang, t in DEFAULTS.items()})


@dataclass(frozen=True)
class Messaging:
    owner_mobile: str | None = None      # gets voicemail and callback notices, the summary
    missed_call_texts: bool = True       # one text per number per day after a missed call
    daily_summary: bool = True           # at closing time, to the owner's mobile
    summary_at: str | None = None        # "HH:MM"; None: when the last line's hours end
    quiet_close_min: int = 120           # a conversation with no message this long is closed
    conversations_per_agent: int = 5
    templates: Mapping[str, Mapping[Template, str]] = field(default_factory=_default_templates)

    def template(self, language: str, kind: Template) -> str:
        return self.templates.get(language, self.templates["en"])[kind]


def parse_messaging(doc: Any) -> Messaging:
    r = Reader(doc)
    mobile = r.text("owner_mobile", limit=21)
    if mobile is not None and not MOBILE_RE.fullmatch(mobile.replace(" ", "")):
        r.fail("owner_mobile", Text("A phone number: digits, optionally starting with +."))
    at = r.text("summary_at", limit=5)
    if at is not None and not TIME_RE.match(at):
        r.fail("summary_at", Text("A time of day as HH:MM."))
    return r.done(Messaging(
        owner_mobile=mobile.replace(" ", "") if mobile else None,
        missed_call_texts=_flag(r, "missed_call_texts", True),
        daily_summary=_flag(r, "daily_summary", True), summary_at=at,
        quiet_close_min=r.integer("quiet_close_min", 120, 5, 7 * 24 * 60),
        conversations_per_agent=r.integer("conversations_per_agent", 5, 1, 50),
        templates=_templates(r)))


def _flag(r: Reader, name: str, default: bool) -> bool:
    value = r.doc.get(name, default)
    if not isinstance(value, bool):
        r.fail(name, Text("Must be true or false."))
        return default
    return value


def _templates(r: Reader) -> Mapping[str, Mapping[Template, str]]:
    given = r.doc.get("templates") or {}
    if not isinstance(given, dict):
        r.fail("templates", Text("Must be an object: language -> template -> text."))
        given = {}
    result = {}
    for lang in LANGUAGES:
        mine = given.get(lang) or {}
        if not isinstance(mine, dict):
            r.fail(f"templates.{lang}", Text("Must be an object: template -> text."))
            mine = {}
        texts = {}
        for kind in Template:
            text = mine.get(kind.value) or DEFAULTS[lang][kind]
            if not isinstance(text, str) or not text.strip():
                r.fail(f"templates.{lang}.{kind.value}", Text("Must be a non-empty text."))
                text = DEFAULTS[lang][kind]
            problem = template_problem(kind, text)
            if problem is not None:
                r.fail(f"templates.{lang}.{kind.value}", problem)
            texts[kind] = text.strip()
        result[lang] = MappingProxyType(texts)
    for lang in given:
        if lang not in LANGUAGES:
            r.fail(f"templates.{lang}", Text("Unknown language; use: %(langs)s.",
                                             langs=", ".join(LANGUAGES)))
    return MappingProxyType(result)


def dump_messaging(m: Messaging) -> dict[str, Any]:
    return {"owner_mobile": m.owner_mobile, "missed_call_texts": m.missed_call_texts,
            "daily_summary": m.daily_summary, "summary_at": m.summary_at,
            "quiet_close_min": m.quiet_close_min,
            "conversations_per_agent": m.conversations_per_agent,
            "templates": {lang: {k.value: t for k, t in texts.items()}
                          for lang, texts in m.templates.items()}}
