"""The history page: filters kept in the address, pages, a call's timeline, the CSV link."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def calls(seeded):
    """Three finished calls on the seeded office's line: two abandoned, one answered."""
    for caller in ("600000001", "600000002"):
        seeded.call("mobile", caller)
        seeded.caller_hangs_up("mobile")
    seeded.call("mobile", "600000003")
    seeded.pick_up("desk-1")
    seeded.put_down("desk-1")
    return seeded


@pytest.mark.usefixtures("calls")
def test_the_history_filters_by_outcome_and_caller_and_links_the_csv(owner):
    page = owner.client.get("/history/?outcome=abandoned").get_data(as_text=True)
    assert "600000001" in page
    assert "600000002" in page
    assert "600000003" not in page
    assert 'href="/api/calls.csv?outcome=abandoned"' in page
    page = owner.client.get("/history/?caller=0003").get_data(as_text=True)
    assert "600000003" in page
    assert "600000001" not in page


@pytest.mark.usefixtures("calls")
def test_pages_of_results_keep_the_filters(owner, monkeypatch):
    monkeypatch.setattr("web.history.PAGE", 1)
    first = owner.client.get("/history/?line=mobile").get_data(as_text=True)
    assert "600000003" in first
    older = re.search(r'href="\?(line=mobile&amp;offset=1)"', first)
    assert older
    second = owner.client.get("/history/?line=mobile&offset=1").get_data(as_text=True)
    assert "600000002" in second
    assert "Newer" in second


@pytest.mark.usefixtures("calls")
def test_a_call_shows_what_happened_step_by_step(owner, store):
    page = owner.client.get("/history/?caller=600000003").get_data(as_text=True)
    link = re.search(r'href="(/history/[0-9a-f]{12})"', page).group(1)
    call = owner.client.get(link).get_data(as_text=True)
    assert "600000003" in call
    for step in ("queued", "offered", "connected", "ended"):
        assert step in call


def test_an_unknown_call_is_a_404_in_the_layout(owner):
    reply = owner.client.get("/history/nosuchcall1")
    assert reply.status_code == 404
    assert "<nav" in reply.get_data(as_text=True)


def test_bad_dates_are_refused(owner):
    assert owner.client.get("/history/?from=someday").status_code == 400


def test_an_unknown_resource_on_a_page_is_a_404_page_not_json(owner):
    reply = owner.client.get("/teams/ghost", headers={"Accept-Language": "es"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 404
    assert "<nav" in page
    assert "No existe «ghost» (team)." in page
