"""Hostile and careless bodies get a 400 and change nothing; nothing gets a 5xx (issue 10).

The fuzz sends arbitrary JSON (deep nesting, lone surrogates, wrong types in every field) to
every write of the configuration API. It is derandomized, so CI sees the same bodies every run;
``SWITCHBOARD_FUZZ_EXAMPLES=5000`` runs a longer campaign by hand.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.config.resources import KINDS
from tests.hostile_json import FIELDS, JSON, LEAVES

EXAMPLES = int(os.environ.get("SWITCHBOARD_FUZZ_EXAMPLES", "60"))
HOSTILE = st.sampled_from(["\ud800", "a\udfffb", 10**30, -1, 1e308, True, [], {}, ""])
BODIES = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, LEAVES | HOSTILE | JSON)) \
    | JSON | HOSTILE
EXISTING = {"stations": "desk-1", "agents": "ana", "teams": "sales", "lines": "mobile",
            "schedules": "office", "menus": "main"}


@pytest.fixture
def office(seeded):
    seeded.add("menus", id="main", name="Main", prompt={"text": "Press 1."},
               options={"1": {"team": "sales"}})
    return seeded


def send(client, keyed, method, path, raw: bytes):
    return client.open(path, method=method, data=raw, headers=keyed,
                       content_type="application/json")


def everything(client, keyed):
    return {kind: client.get(f"/api/{kind}", headers=keyed).get_json() for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=BODIES, create=st.booleans())
def test_no_body_gets_a_5xx_and_a_refused_one_changes_nothing(client, keyed, office, kind,
                                                              body, create):
    before = everything(client, keyed)
    method, path = ("POST", f"/api/{kind}") if create else \
        ("PUT", f"/api/{kind}/{EXISTING[kind]}")
    reply = send(client, keyed, method, path, json.dumps(body).encode())
    assert reply.status_code < 500, reply.get_json()
    if reply.status_code >= 400:
        assert reply.get_json()["error"]
        assert everything(client, keyed) == before


@pytest.mark.parametrize(("raw", "field"), [
    (b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}", None),   # RecursionError before
    (b'{"name": "Sales \\ud800"}', "name"),                    # UnicodeEncodeError at write
    (b'{"name": "Office", "special": 5}', "special"),          # TypeError before
    (b'{"name": "Office", "special": true}', "special"),
])
def test_bodies_that_gave_500_before(client, keyed, office, raw, field):
    kind = "schedules" if b"special" in raw else "teams"
    before = everything(client, keyed)
    reply = send(client, keyed, "PUT", f"/api/{kind}/{EXISTING[kind]}", raw)
    assert reply.status_code == 400
    if field:
        assert field in reply.get_json()["fields"]
    assert everything(client, keyed) == before


def test_a_null_menu_option_is_refused_and_the_box_keeps_answering(client, keyed, office):
    """The one setting that broke /healthz, /api/status and the draft check, even after a
    restart, and left a caller pressing 0 in the menu for ever."""
    reply = client.put("/api/menus/main", json={"options": {"1": None}}, headers=keyed)
    assert reply.status_code == 400
    assert "options.1" in reply.get_json()["fields"]
    for path in ("/healthz", "/api/status", "/api/draft/check"):
        assert client.get(path, headers=keyed).status_code == 200, path


def test_healthz_errors_are_json(client, mocker):
    mocker.patch("web.health.appliance", side_effect=RuntimeError("a bug"))
    reply = client.get("/healthz")
    assert reply.status_code == 500
    assert reply.is_json


@pytest.mark.parametrize("raw", [b"5", b'{"name": ""}'])
def test_a_refused_draft_change_leaves_no_draft(client, keyed, office, raw):
    reply = send(client, keyed, "POST", "/api/draft/teams", raw)
    assert reply.status_code == 400
    assert client.get("/api/versions", headers=keyed).get_json()["draft"] is False
