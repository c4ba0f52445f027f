"""Arrows only point down: web -> appliance -> hardware, and no new import circles.

The one upward import left is listed here on purpose, with why; anything else fails the
suite.
"""

from __future__ import annotations

import ast

from .imports import ROOT, circles, graph

LAYERS = {"web": 2, "appliance": 1, "hardware": 0}
# The composition root starts the web server: the one module allowed to import upwards.
UPWARD_ALLOWED = {("appliance.ops.cli", "web")}
KNOWN_CIRCLES: set[frozenset[str]] = set()


def layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_nothing_imports_a_layer_above_it():
    upward = {(a, b) for a, targets in graph().items() for b in targets
              if layer(b) > layer(a)}
    assert upward - UPWARD_ALLOWED == set()


def test_no_import_circle_beyond_the_known_ones():
    assert set(circles(graph())) - KNOWN_CIRCLES == set()


def test_the_known_exceptions_still_exist():
    """When one is removed, take it off the lists above, so it cannot come back unnoticed."""
    edges = graph()
    assert set(circles(edges)) == KNOWN_CIRCLES
    assert all(b in edges[a] for a, b in UPWARD_ALLOWED)


def test_the_checker_sees_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        frozenset({"a", "b", "c"})]


# Shared machinery: helpers, the guard, error pages, the language (its one route is the
# language switch) and the layout every page extends.
SHARED_WEB = {"web", "web.helpers", "web.security", "web.errors", "web.i18n", "web.layout",
              "web.forms"}


def test_blueprints_import_no_other_blueprint():
    """Shared web code lives in web.helpers (and security, errors), not in a blueprint."""
    edges = graph()
    for module, targets in edges.items():
        if module.startswith("web.") and module not in SHARED_WEB:
            assert {t for t in targets if t.startswith("web.")} <= SHARED_WEB, module


def test_the_web_reaches_the_appliance_only_through_its_facade():
    """No blueprint touches the store, the core or the history behind ``ApplianceApi``."""
    for path in (ROOT / "web").glob("*.py"):
        tree = ast.parse(path.read_text())
        internals = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                     and node.attr in ("store", "engine", "history", "_store", "_engine")]
        assert internals == [], path.name
