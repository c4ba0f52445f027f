"""Any JSON for any resource is either a model or a ValidationError with field messages: never
another exception (issue 10 found TypeErrors and a menu option of ``null`` that broke the box).
Derandomized: the same examples every run, so CI never turns red by chance.

Documents are built from every field name the parsers read, each given arbitrary JSON, so the
generator reaches the nested readers (targets, intervals, special days...) quickly.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.config.model import Config
from appliance.config.validation import PARSERS
from appliance.errors import ValidationError
from appliance.policy.menus import menu_warnings
from tests.hostile_json import FIELDS, JSON, LEAVES

DOCS = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, LEAVES | JSON))


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(doc=DOCS | JSON)
def test_any_document_is_a_model_or_field_errors(kind, doc):
    try:
        item = PARSERS[kind](doc, "x1")
    except ValidationError as exc:
        problems = exc.fields or {"_": exc.message}
    else:
        problems = {}
    assert all(isinstance(m, str) and m for m in problems.values())
    if problems:
        return
    if kind == "menus":                      # what the page and the core read of a menu
        for target in item.options.values():
            assert target is not None
        menu_warnings(Config(menus={"x1": item}), "x1")
