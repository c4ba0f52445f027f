"""docs/api.md is the reference of every address the web app serves, for people who have only
a clone of the repository; this test keeps it true by comparing its ``### METHOD /path``
headings with the Flask app's URL map, both ways."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from appliance.api import ApplianceApi
from appliance.media.audio_library import AudioLibrary
from hardware.audio.format import LINE_FORMAT
from tests.office import running
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
IGNORED = {"HEAD", "OPTIONS"}    # Flask answers these wherever GET (or anything) is served
METHOD = "|".join(METHODS)
# "### GET /api/status" or "### GET|PUT|PATCH|DELETE /api/<kind>/<id>", and nothing after.
HEADING = re.compile(rf"^### `((?:{METHOD})(?:\|(?:{METHOD}))*) (/\S*)`$")
# Any level-3 heading that starts like an endpoint, to catch one written the wrong way.
LOOKS_LIKE_ONE = re.compile(rf"^###\s+`?(?:{METHOD})\b")
PARAMETER = re.compile(r"<[^<>]*>")

Pair = tuple[str, str]


def normalised(path: str) -> str:
    """``<string:kind>``, ``<any(teams, ...):kind>``, ``<kind>`` and ``<id>`` all become ``<>``:
    converters and parameter names do not matter, where a parameter stands does."""
    return PARAMETER.sub("<>", path)


def served(apps: Iterable[Flask]) -> dict[Pair, str]:
    """Every (method, normalised path) the apps serve, with the rule as Flask writes it."""
    return {(method, normalised(rule.rule)): f"{method} {rule.rule}"
            for app in apps for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - IGNORED}


def headings(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every level-3 heading that starts with an HTTP method."""
    for number, line in enumerate(text.splitlines(), 1):
        if LOOKS_LIKE_ONE.match(line):
            yield number, line


def documented(text: str) -> list[tuple[Pair, str]]:
    """Every (method, normalised path) of the headings, once per method, in the file's order,
    with the line it is on."""
    return [((method, normalised(found[2])), f"line {number}: {line}")
            for number, line in headings(text) if (found := HEADING.match(line))
            for method in found[1].split("|")]


def listing(pairs: Iterable[Pair], shown: dict[Pair, str]) -> str:
    return "\n".join(f"  {shown[pair]}" for pair in sorted(pairs, key=lambda p: (p[1], p[0])))


@pytest.fixture
def apps(tmp_path, clock) -> Iterator[list[Flask]]:
    """The app as the demo builds it (simulated hardware, the audio library) and as a real box
    without simulation: between them every route any configuration serves."""
    library = AudioLibrary(tmp_path / "audio", LINE_FORMAT)
    with running(tmp_path / "data", clock, library=library) as office:
        real = office.app
        config = {"TESTING": True}
        yield [create_app(real.api, api_key="docs-test-key-0123", test_config=config,
                          audio_library=library),
               create_app(ApplianceApi(real.store, real.engine, real.history),
                          api_key="docs-test-key-0123", test_config=config)]


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.is_file(), f"{DOC.relative_to(ROOT)} is missing"
    return DOC.read_text(encoding="utf-8")


def test_every_endpoint_heading_has_the_form_the_check_reads(doc):
    wrong = [f"  line {number}: {line}" for number, line in headings(doc)
             if not HEADING.match(line)]
    assert not wrong, (
        "These level-3 headings start with an HTTP method but are not '### METHOD /path' or "
        "'### GET|POST /path' (methods in capitals joined by '|', one space, the path, nothing "
        "after it), so the check cannot read them:\n" + "\n".join(wrong))


def test_no_endpoint_is_documented_twice(doc):
    found = documented(doc)
    twice = [pair for pair, count in Counter(pair for pair, _line in found).items() if count > 1]
    lines = {pair: " and ".join(line for p, line in found if p == pair) for pair in twice}
    assert not twice, f"Documented more than once in docs/api.md:\n{listing(twice, lines)}"


def test_every_served_endpoint_is_documented(apps, doc):
    routes = served(apps)
    missing = routes.keys() - {pair for pair, _line in documented(doc)}
    assert not missing, (
        "The web app serves these addresses, but docs/api.md has no '### METHOD /path' "
        f"heading for them; document each one there:\n{listing(missing, routes)}")


def test_every_documented_endpoint_is_served(apps, doc):
    found = dict(documented(doc))
    unknown = found.keys() - served(apps).keys()
    assert not unknown, (
        "docs/api.md documents these addresses, but the web app does not serve them (removed, "
        f"renamed, or a typo in the heading):\n{listing(unknown, found)}")


def test_the_doc_points_at_nothing_outside_the_repository(doc):
    assert "../shared" not in doc
