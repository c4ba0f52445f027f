"""Reading a page's form as a browser would send it (for the Flask test-client page tests)."""

from __future__ import annotations

import re
from html import unescape


def form_of(owner, path: str, action: str | None = None) -> dict[str, str]:
    """The fields of the form on ``path`` that posts to ``action`` (default: ``path``)."""
    return form_fields(owner.client.get(path).get_data(as_text=True), action or path)


def form_fields(html: str, action: str) -> dict[str, str]:
    """Every named field of the form posting to ``action`` with its value, as a browser
    would send it (checked radios only, a select's chosen or first option)."""
    form = html[html.index(f'<form method="post" action="{action}'):]
    form = form[:form.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or ('type="radio"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        fields[name] = unescape(text)
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body) or \
            re.search(r'<option value="([^"]*)"', body)
        fields[name] = unescape(chosen.group(1)) if chosen else ""
    return fields
