"""The settings page: password change, API keys shown once, restore needs a confirmation."""

from __future__ import annotations

import io
import re

from werkzeug.security import check_password_hash

PASSWORD_KEY = "password_hash"


def test_changing_the_password_needs_the_current_one_and_keeps_this_browser_in(owner, store):
    token = owner.form_token("/settings/")
    wrong = owner.client.post("/settings/password", data={
        "csrf_token": token, "current": "not it", "password": "a new password",
        "password_again": "a new password"})
    assert wrong.status_code == 400
    assert 'id="err-current"' in wrong.get_data(as_text=True)
    right = owner.client.post("/settings/password", data={
        "csrf_token": token, "current": owner.PASSWORD, "password": "a new password",
        "password_again": "a new password"})
    assert right.status_code == 302
    assert check_password_hash(store.setting(PASSWORD_KEY), "a new password")
    assert owner.client.get("/settings/").status_code == 200      # still logged in here


def test_an_api_key_is_shown_once_works_and_stops_working_when_revoked(owner, store):
    token = owner.form_token("/settings/")
    page = owner.client.post("/settings/keys", data={"csrf_token": token, "name": "Agenda"}
                             ).get_data(as_text=True)
    key = re.search(r'<code id="new-key">([^<]+)</code>', page).group(1)
    assert key not in str(store.setting("api_keys"))                  # only its hash is kept
    assert key not in owner.client.get("/settings/").get_data(as_text=True)
    fresh = owner.client.application.test_client()
    assert fresh.get("/api/status", headers={"X-Api-Key": key}).status_code == 200
    key_id = store.setting("api_keys")[0]["id"]
    owner.client.post(f"/settings/keys/{key_id}/revoke", data={"csrf_token": token})
    assert fresh.get("/api/status", headers={"X-Api-Key": key}).status_code == 401


def test_a_key_needs_a_name(owner, store):
    token = owner.form_token("/settings/")
    reply = owner.client.post("/settings/keys", data={"csrf_token": token, "name": " "})
    assert reply.status_code == 400
    assert 'id="err-key_name"' in reply.get_data(as_text=True)
    assert store.setting("api_keys") in (None, [])


def test_a_restore_needs_the_confirmation_and_a_real_backup(owner):
    token = owner.form_token("/settings/")
    unconfirmed = owner.client.post("/settings/restore", content_type="multipart/form-data",
                                    data={"csrf_token": token,
                                          "file": (io.BytesIO(b"x" * 10), "backup.tar.gz")})
    assert 'id="err-confirm"' in unconfirmed.get_data(as_text=True)
    bogus = owner.client.post("/settings/restore", content_type="multipart/form-data",
                              data={"csrf_token": token, "confirm": "yes",
                                    "file": (io.BytesIO(b"not a backup"), "backup.tar.gz")})
    assert bogus.status_code == 400
    assert 'id="err-file"' in bogus.get_data(as_text=True)


def test_the_change_log_says_who_changed_what(owner, store, keyed):
    token = owner.form_token("/settings/")
    page = owner.client.post("/settings/keys", data={"csrf_token": token, "name": "Agenda"}
                             ).get_data(as_text=True)
    key = re.search(r'<code id="new-key">([^<]+)</code>', page).group(1)
    fresh = owner.client.application.test_client()
    fresh.post("/api/stations", json={"name": "Back office"}, headers={"X-Api-Key": key})
    fresh.post("/api/stations", json={"name": "Porch"}, headers=keyed)
    token = owner.form_token("/people/handsets/back-office")
    owner.client.post("/people/handsets/back-office", data={"csrf_token": token,
                                                            "name": "Warehouse"})
    page = owner.client.get("/settings/", headers={"Accept-Language": "es"}
                            ).get_data(as_text=True)
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert rows[:3] == [("el propietario", "Cambiado: teléfono «Warehouse»"),
                        ("la clave de la API del arranque", "Añadido: teléfono «Porch»"),
                        ("la clave de la API «Agenda»", "Añadido: teléfono «Back office»")]
