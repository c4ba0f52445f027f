"""Reading a page's form as a browser would send it (for the Flask test-client page tests)."""

from __future__ import annotations

import re
from html import unescape


def form_of(owner, path: str, action: str | None = None) -> dict[str, str | list[str]]:
    """The fields of the form on ``path`` that posts to ``action`` (default: ``path``)."""
    return form_fields(owner.client.get(path).get_data(as_text=True), action or path)


def form_fields(html: str, action: str) -> dict[str, str | list[str]]:
    """Every named field of the form posting to ``action`` with its value, as a browser
    would send it (checked radios and checkboxes only, a select's chosen or first option; a
    name sent more than once has the list of its values)."""
    form = html[html.index(f'<form method="post" action="{action}'):]
    form = form[:form.index("</form>")]
    fields: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        ticked = re.search(r'type="(radio|checkbox)"', tag) is None or " checked" in tag
        if name is None or not ticked:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        value = unescape(value.group(1)) if value else ""
        known = fields.get(name.group(1))
        fields[name.group(1)] = value if known is None else \
            [*(known if isinstance(known, list) else [known]), value]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        fields[name] = unescape(text)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body) or \
            re.search(r'<option value="([^"]*)"', body)
        fields[name] = unescape(chosen.group(1)) if chosen else ""
    return fields
