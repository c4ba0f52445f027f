"""The hours page through the Flask test client: list, edit, errors beside fields, delete."""

from __future__ import annotations

import re

import pytest

from web.hours import schedule_doc

from .forms import form_of

pytestmark = pytest.mark.usefixtures("seeded")


def test_the_list_says_whether_each_schedule_is_open_now(owner, store):
    store.patch("lines", "mobile", {"schedule": "office"})
    page = owner.client.get("/hours/").get_data(as_text=True)
    assert "Office" in page
    assert "Used by: Mobile." in page
    assert re.search(r"(Open now; closes|Closed now\.)", page)


def test_setting_saturday_keeps_the_weekdays_and_shows_on_the_list(owner, store):
    fields = form_of(owner, "/hours/office")
    assert fields["weekly.mon.0.start"] == "09:00"
    fields |= {"weekly.sat.0.start": "10:00", "weekly.sat.0.end": "14:00"}
    reply = owner.client.post("/hours/office", data=fields)
    assert reply.status_code == 302
    saved = store.get("schedules", "office")
    assert saved["weekly"]["sat"] == [["10:00", "14:00"]]
    assert saved["weekly"]["mon"] == [["09:00", "18:00"]]
    assert "Saved “Office”." in owner.client.get("/hours/").get_data(as_text=True)


def test_a_holiday_region_and_a_closed_date_are_stored_and_the_years_holidays_listed(owner, store):
    fields = form_of(owner, "/hours/office") | {
        "holidays.country": "ES", "holidays.subdivision": "md", "closed_dates.0": "2026-12-24"}
    assert owner.client.post("/hours/office", data=fields).status_code == 302
    saved = store.get("schedules", "office")
    assert saved["holidays"] == {"country": "ES", "subdivision": "MD"}
    assert saved["closed_dates"] == ["2026-12-24"]
    assert "Closed on these holidays in" in owner.client.get("/hours/office").get_data(as_text=True)


def test_a_bad_form_shows_each_error_beside_its_field_keeps_what_was_typed_and_saves_nothing(
        owner, store):
    before = store.get("schedules", "office")
    fields = form_of(owner, "/hours/office") | {
        "name": "", "weekly.sat.0.start": "14:00", "weekly.sat.0.end": "14:00",
        "holidays.subdivision": "ZZ", "holidays.country": "ES", "closed_action.text": "Cerrado."}
    reply = owner.client.post("/hours/office", data=fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert store.get("schedules", "office") == before
    for key in ("name", "weekly-sat-0", "holidays-subdivision"):
        assert f'id="err-{key}"' in page, key
    for typed in ('value="14:00"', "Cerrado.", 'value="ZZ"'):
        assert typed in page


def test_deleting_hours_a_line_uses_is_refused_saying_where(owner, store):
    store.patch("lines", "mobile", {"schedule": "office"})
    token = owner.form_token("/hours/office")
    reply = owner.client.post("/hours/office/delete", data={"csrf_token": token},
                              follow_redirects=True)
    assert "Mobile" in reply.get_data(as_text=True)
    assert store.get("schedules", "office")


def test_new_hours_are_created_from_the_form(owner, store):
    fields = form_of(owner, "/hours/new") | {"name": "Summer"}
    assert owner.client.post("/hours/new", data=fields).status_code == 302
    assert [s["name"] for s in store.list("schedules")] == ["Office", "Summer"]


def test_the_form_needs_its_csrf_token(owner, store):
    fields = form_of(owner, "/hours/office") | {"csrf_token": "forged", "name": "Hacked"}
    assert owner.client.post("/hours/office", data=fields).status_code == 403
    assert store.get("schedules", "office")["name"] == "Office"


def test_logged_out_visitors_are_sent_to_log_in(browser):
    browser.setup()
    browser.logout()
    reply = browser.client.get("/hours/")
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith("/login")


def test_form_to_document_drops_blank_rows_and_writes_midnight_as_24_00():
    doc = schedule_doc({"name": " Night ", "timezone": "Europe/Madrid",
                        "weekly.fri.0.start": "", "weekly.fri.0.end": "",
                        "weekly.fri.1.start": "20:00", "weekly.fri.1.end": "00:00",
                        "closed_dates.0": "", "closed_dates.1": "2026-12-31",
                        "holidays.country": "", "closed_action.action": "voicemail"})
    assert doc["name"] == "Night"
    assert doc["weekly"]["fri"] == [["20:00", "24:00"]]
    assert doc["weekly"]["mon"] == []
    assert doc["closed_dates"] == ["2026-12-31"]
    assert doc["holidays"] is None
    assert doc["closed_action"] == {"action": "voicemail", "text": None}


def test_field_errors_are_shown_in_the_owners_language(owner, store):
    fields = form_of(owner, "/hours/office") | {"timezone": "Mars/Olympus"}
    reply = owner.client.post("/hours/office", data=fields,
                              headers={"Accept-Language": "es"})
    page = reply.get_data(as_text=True)
    assert "Zona horaria desconocida" in page
    api = owner.client.put("/api/schedules/office", json={"name": "x", "timezone": "Mars/Olympus"},
                           headers={"X-Api-Key": owner.API_KEY, "Accept-Language": "es"})
    assert api.get_json()["fields"]["timezone"].startswith("Unknown time zone")  # API: English
