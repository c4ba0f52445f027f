"""Edits that cannot wipe data by accident: PATCH merges (RFC 7396), PUT replaces whole."""

from __future__ import annotations

import pytest

from appliance.config.store import merge_patch

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
MERGE_PATCH = "application/merge-patch+json"


@pytest.mark.usefixtures("seeded")
def test_patching_saturday_keeps_monday_to_friday(client, keyed):
    before = client.get("/api/schedules/office", headers=keyed).get_json()
    reply = client.patch("/api/schedules/office", headers=keyed,
                         json={"weekly": {"sat": [["10:00", "14:00"]]}})
    assert reply.status_code == 200
    weekly = reply.get_json()["weekly"]
    assert weekly["sat"] == [["10:00", "14:00"]]
    assert {day: weekly[day] for day in WEEKDAYS} == {d: before["weekly"][d] for d in WEEKDAYS}


@pytest.mark.usefixtures("seeded")
def test_null_in_a_patch_removes_the_field(client, keyed):
    client.patch("/api/teams/sales", headers=keyed, json={"announce": "Thanks for waiting."})
    reply = client.patch("/api/teams/sales", headers=keyed, json={"announce": None},
                         content_type=MERGE_PATCH)
    assert reply.status_code == 200
    assert reply.get_json()["announce"] is None


@pytest.mark.usefixtures("seeded")
def test_a_put_of_part_of_a_resource_is_refused_whole_and_stores_nothing(client, keyed, store):
    before = store.get("schedules", "office")
    reply = client.put("/api/schedules/office", headers=keyed,
                       json={"weekly": {"sat": [["10:00", "14:00"]]}})
    assert reply.status_code == 400
    assert "name" in reply.get_json()["fields"]
    assert store.get("schedules", "office") == before


@pytest.mark.usefixtures("seeded")
def test_a_bad_patch_is_400_with_its_field_and_stores_nothing(client, keyed, store):
    before = store.get("schedules", "office")
    reply = client.patch("/api/schedules/office", headers=keyed,
                         json={"weekly": {"sat": [["14:00", "25:00"]]}})
    assert reply.status_code == 400
    assert any(f.startswith("weekly.sat") for f in reply.get_json()["fields"])
    assert store.get("schedules", "office") == before


def test_merge_patch_follows_the_rfc_7396_examples():
    """RFC 7396 Appendix A, every example."""
    examples = [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ]
    for target, patch, result in examples:
        assert merge_patch(target, patch) == result, (target, patch)
