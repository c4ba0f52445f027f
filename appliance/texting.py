"""What the web may do with callbacks, consent, SMS conversations and the text settings.

Part of the ``ApplianceApi`` facade (``api.texting``), kept apart so neither grows past a
readable size. Reads come from the history (what is kept is what is shown, also after a
restart); changes go through the core (``Engine``), which owns the callbacks and conversations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from appliance.config.messaging import SETTING, Messaging, dump_messaging, parse_messaging
from appliance.config.store import merge_patch
from appliance.errors import Conflict, NotFound, Text, ValidationError
from appliance.media.speech import describe_hours
from appliance.policy.texts import (
    LANGUAGES,
    MAX_SMS_TEXT,
    PLACEHOLDERS,
    fill,
    sms_length,
    when_text,
)


class TextingApi:
    def __init__(self, store: Any, engine: Any, history: Any) -> None:
        self._store = store
        self._engine = engine
        self._history = history

    # -- settings -------------------------------------------------------------------------------

    def settings(self) -> Messaging:
        """The stored settings; a document an older version stored wrongly falls back to the
        defaults rather than stop the box."""
        try:
            return parse_messaging(self._store.setting(SETTING) or {})
        except ValidationError:
            return Messaging()

    def messaging(self) -> dict[str, Any]:
        """The settings, with each template's length in SMS parts as it goes out (filled in
        with the office's hours and a typical "when")."""
        settings = self.settings()
        doc = dump_messaging(settings)
        doc["lengths"] = {lang: {kind: self.length(text, kind, lang) for kind, text in t.items()}
                          for lang, t in doc["templates"].items()}
        return doc

    def set_messaging(self, doc: Any) -> dict[str, Any]:
        if not isinstance(doc, dict):
            raise ValidationError({"_": Text("Expected a JSON object.")})
        settings = parse_messaging(merge_patch(dump_messaging(self.settings()), doc))
        self._store.set_setting(SETTING, dump_messaging(settings))
        self._engine.set_messaging(settings)
        return self.messaging()

    def length(self, text: Any, template: Any = None, language: Any = None) -> dict[str, Any]:
        """What ``text`` costs in SMS parts; a ``template`` ("missed_call" | "callback") is
        counted as sent: its placeholders filled in with the office's hours and a "when"."""
        if not isinstance(text, str) or len(text) > MAX_SMS_TEXT:
            raise ValidationError({"text": Text("Write up to %(n)d characters.", n=MAX_SMS_TEXT)})
        if template in PLACEHOLDERS:
            text = fill(text, **self._examples(language if language in LANGUAGES else "es"))
        return sms_length(text).to_dict()

    def _examples(self, language: str) -> dict[str, str]:
        config = self._store.config()
        schedule = next((config.schedules[line.schedule] for line in config.lines.values()
                         if line.schedule in config.schedules), None)
        hours = describe_hours(schedule, language) if schedule else ""
        return {"hours": hours, "when": when_text(language, datetime.now(UTC), minutes=10)}

    # -- callbacks ------------------------------------------------------------------------------

    def callbacks(self, limit: int = 100) -> list[dict[str, Any]]:
        """Open callbacks in queue order, then finished ones, each with its consent."""
        found = self._history.callbacks(limit)
        for cb in found:
            cb["consent"] = self._history.consent(cb["consent"]) if cb["consent"] else None
        return found

    def cancel_callback(self, cid: str) -> None:
        found = self._history.callback(cid)
        if found is None:
            raise NotFound(Text("No callback '%(id)s'.", id=cid))
        if not self._engine.cancel_callback(cid):
            if found["state"] == "calling":
                raise Conflict(Text("The box is calling this customer right now: the call "
                                    "cannot be cancelled, hang up the desk phone instead."))
            raise Conflict(Text("This callback is already over (done, failed or cancelled)."))

    # -- conversations --------------------------------------------------------------------------

    def conversations(self, limit: int = 100, *, open_only: bool = False) -> list[dict[str, Any]]:
        found = self._history.conversations(limit, open_only=open_only)
        messages = self._history.messages([conv["id"] for conv in found])
        return [conv | {"messages": messages[conv["id"]]} for conv in found]

    def conversation(self, cid: str) -> dict[str, Any]:
        found = self._history.conversation(cid)
        if found is None:
            raise NotFound(Text("No conversation '%(id)s'.", id=cid))
        return found

    def reply(self, cid: str, text: Any) -> None:
        self._engine.reply(cid, text)

    def close_conversation(self, cid: str, who: str) -> None:
        self._engine.close_conversation(cid, who)
