"""Try before publishing, through the Flask test client: draft, differences, checks,
the simulator, publish and putting a version back."""

from __future__ import annotations

import html
import re

import pytest

from .forms import form_of

pytestmark = pytest.mark.usefixtures("seeded")

WEDNESDAY_10 = "2026-11-25T10:00"      # the clock of these tests (Madrid)


@pytest.fixture
def hours_office(seeded):
    """The line follows the office's hours (Mondays only, and today is a Wednesday)."""
    seeded.change("lines", "mobile", schedule="office")
    return seeded


def post(owner, action: str, **fields: str):
    return owner.client.post(action, data=form_of(owner, "/changes/", action) | fields)


def steps(page: str) -> list[str]:
    found = re.search(r'<ol class="steps".*?</ol>', page, re.S)
    return [html.unescape(s) for s in re.findall(r"<li[^>]*>(.*?)</li>", found.group(0))]


def test_without_a_draft_pages_save_live_and_the_page_offers_one(owner, store):
    page = owner.client.get("/changes/").get_data(as_text=True)
    assert "No draft" in page
    assert "Checks of the live configuration" in page
    assert "draft-banner" not in owner.client.get("/hours/").get_data(as_text=True)


def test_a_draft_takes_the_pages_edits_until_published(owner, store, hours_office):
    assert post(owner, "/changes/draft").status_code == 302
    assert "draft-banner" in owner.client.get("/hours/").get_data(as_text=True)
    fields = form_of(owner, "/hours/office")
    fields |= {"weekly.wed.0.start": "09:00", "weekly.wed.0.end": "14:00"}
    assert owner.client.post("/hours/office", data=fields).status_code == 302
    assert store.get("schedules", "office")["weekly"].get("wed", []) == []     # not live yet

    page = owner.client.get("/changes/").get_data(as_text=True)
    assert "Changed: hours “Office” (weekly)" in html.unescape(page)
    draft = steps(owner.client.get(f"/changes/?line=mobile&at={WEDNESDAY_10}")
                  .get_data(as_text=True))
    assert "(weekly hours)" in draft[1]
    assert draft[-1].startswith('The call ends as "answered"')
    live = steps(owner.client.get(f"/changes/?line=mobile&at={WEDNESDAY_10}&config=live")
                 .get_data(as_text=True))
    assert "outside the weekly hours" in live[1]

    assert post(owner, "/changes/draft/publish", note="Wednesday mornings").status_code == 302
    assert store.get("schedules", "office")["weekly"]["wed"] == [["09:00", "14:00"]]
    page = owner.client.get("/changes/").get_data(as_text=True)
    assert "Published: callers get it now (version 2)." in page
    assert re.search(r"<td>2</td><td>[^<]+</td><td>the owner</td><td>Wednesday mornings</td>",
                     page)
    assert "Automatic: the configuration before publishing" in page     # version 1: before
    assert hours_office.app.api.status()["lines"][0]["state"] == "idle"      # no call dropped


def test_putting_a_version_back_undoes_the_publish(owner, store, hours_office):
    post(owner, "/changes/draft")
    owner.client.post("/hours/office", data=form_of(owner, "/hours/office") | {
        "weekly.wed.0.start": "09:00", "weekly.wed.0.end": "14:00"})
    post(owner, "/changes/draft/publish")
    post(owner, "/changes/draft")
    owner.client.post("/hours/office", data=form_of(owner, "/hours/office") | {
        "weekly.wed.0.start": "15:00", "weekly.wed.0.end": "18:00"})
    post(owner, "/changes/draft/publish")
    assert store.get("schedules", "office")["weekly"]["wed"] == [["15:00", "18:00"]]
    reply = post(owner, "/changes/versions/2/restore")
    assert reply.status_code == 302
    assert store.get("schedules", "office")["weekly"]["wed"] == [["09:00", "14:00"]]
    assert "Version 2 is live again" in owner.client.get("/changes/").get_data(as_text=True)
    post(owner, "/changes/versions/1/restore")                       # before any publish
    assert store.get("schedules", "office")["weekly"].get("wed", []) == []


def test_throwing_the_draft_away_changes_nothing(owner, store):
    post(owner, "/changes/draft")
    owner.client.post("/hours/office", data=form_of(owner, "/hours/office") | {
        "weekly.wed.0.start": "09:00", "weekly.wed.0.end": "14:00"})
    assert post(owner, "/changes/draft/discard").status_code == 302
    assert store.get("schedules", "office")["weekly"].get("wed", []) == []
    assert "No draft" in owner.client.get("/changes/").get_data(as_text=True)


def test_a_long_note_is_refused_beside_it_and_kept(owner):
    post(owner, "/changes/draft")
    reply = post(owner, "/changes/draft/publish", note="x" * 201)
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert 'id="err-note"' in page
    assert 'value="' + "x" * 201 + '"' in page


@pytest.mark.parametrize(("query", "field"), [
    ("line=mobile&at=someday", "at"),
    (f"line=nope&at={WEDNESDAY_10}", "line"),
    (f"line=mobile&at={WEDNESDAY_10}&digits=12a", "digits"),
])
def test_a_bad_question_to_the_simulator_is_answered_beside_the_field(owner, query, field):
    page = owner.client.get(f"/changes/?{query}").get_data(as_text=True)
    assert f'id="err-{field}"' in page
    assert '<ol class="steps"' not in page


def test_the_checks_name_what_would_let_callers_down(owner, seeded):
    seeded.add("agents", id="bea", name="Bea")                        # no handset
    page = html.unescape(owner.client.get("/changes/").get_data(as_text=True))
    assert "Line 'Mobile' has no hours: it answers at any time, also at night." in page
    assert "Bea has no handset: calls never ring for them." in page
