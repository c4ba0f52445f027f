"""Sentences for a person that the page can say in the owner's language.

They live in the lowest layer so that a driver's reason ("The SIM asks for a PIN...") can be
one too: it travels as a plain ``str`` through events, the core and the JSON API (in English),
and the page translates it from the template and values it carries (``web.i18n.translated``).
``appliance.errors`` re-exports both names.
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """A sentence for a person: the English text it is (the API answers with it), and the
    template and values it was made from, so the page can say it in the owner's language
    (``web.i18n.translated``). Templates use ``%(name)s`` placeholders."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Text:
        text = super().__new__(cls, template % values if values else template)
        text.template, text.values = template, values
        return text


def N_(template: str) -> str:
    """Marks a template kept aside (in a table) for the translation catalog; a ``Text`` made
    from it later is translated like any other."""
    return template


def said(exc: BaseException) -> str:
    """What an exception says, kept translatable when it was raised with a ``Text``."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Text) and len(exc.args) == 1 else str(exc)
