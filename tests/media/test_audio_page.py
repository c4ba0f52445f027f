"""/audio, the owner's page: upload (no JavaScript), refusals beside the field, rename,
delete refused while played somewhere. On a real ConfigStore and a real library."""

from __future__ import annotations

import re

import pytest

from appliance.api import ApplianceApi
from appliance.media.audio_library import AudioLibrary
from tests.media.conftest import PNG_MAGIC, needs_sox
from tests.web.conftest import Browser
from web import create_app

pytestmark = needs_sox


@pytest.fixture
def owner(store, tmp_path, fmt) -> Browser:
    library = AudioLibrary(tmp_path / "audio", fmt)
    app = create_app(ApplianceApi(store, None, None), test_config={"TESTING": True},
                     audio_library=library)
    browser = Browser(app.test_client())
    assert browser.setup().status_code == 302
    return browser


def upload(owner: Browser, path, **form: str):
    token = owner.form_token("/audio/")
    with open(path, "rb") as f:
        return owner.client.post("/audio/upload", content_type="multipart/form-data",
                                 data={"csrf_token": token, "file": (f, path.name), **form})


def test_an_upload_is_listed_with_a_preview_of_what_callers_hear(owner, sounds):
    reply = upload(owner, sounds / "tone.flac", name="Música de espera")
    assert reply.status_code == 302
    page = owner.client.get("/audio/").get_data(as_text=True)
    assert "Música de espera" in page
    preview = re.search(r'<audio controls preload="none" src="([^"]+)"', page).group(1)
    wav = owner.client.get(preview)
    wav.close()
    assert (wav.status_code, wav.mimetype) == (200, "audio/wav")
    assert "Not used yet." in page


def test_a_file_that_is_not_audio_is_refused_beside_the_field_keeping_the_name(owner, tmp_path):
    fake = tmp_path / "photo.mp3"
    fake.write_bytes(PNG_MAGIC + b"\0" * 2000)
    reply = upload(owner, fake, name="Mi foto")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="err-file"' in page
    assert 'value="Mi foto"' in page


def test_the_refusal_is_in_the_owners_language(owner, tmp_path):
    fake = tmp_path / "foto.mp3"
    fake.write_bytes(PNG_MAGIC + b"\0" * 2000)
    token = owner.form_token("/audio/")
    with open(fake, "rb") as f:
        reply = owner.client.post("/audio/upload", content_type="multipart/form-data",
                                  headers={"Accept-Language": "es"},
                                  data={"csrf_token": token, "file": (f, fake.name)})
    assert "No es un archivo de audio (parece una imagen PNG)" in reply.get_data(as_text=True)


def test_rename_and_delete_refused_while_a_team_holds_with_it(owner, sounds, store):
    upload(owner, sounds / "tone.flac", name="Hold")
    store.create("teams", {"id": "sales", "name": "Sales", "hold_audio": "hold"})
    token = owner.form_token("/audio/")
    owner.client.post("/audio/hold/rename", data={"csrf_token": token, "name": "Espera"})
    reply = owner.client.post("/audio/hold/delete", data={"csrf_token": token},
                              follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert "Espera" in page
    assert "still played by Sales" in page
    store.patch("teams", "sales", {"hold_audio": None})
    owner.client.post("/audio/hold/delete", data={"csrf_token": token})
    assert "No audio uploaded yet" in owner.client.get("/audio/").get_data(as_text=True)


def test_the_team_form_offers_the_upload_as_hold_audio(owner, sounds, store):
    upload(owner, sounds / "tone.flac", name="Hold")
    store.create("teams", {"id": "sales", "name": "Sales"})
    page = owner.client.get("/teams/sales").get_data(as_text=True)
    assert '<option value="hold"' in page


def test_lengths_are_written_the_way_the_pages_language_writes_numbers(owner, sounds):
    upload(owner, sounds / "low.wav", name="Hold")             # 1.5 s
    english = owner.client.get("/audio/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = owner.client.get("/audio/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "1.5 seconds" in english
    assert "1,5 segundos" in spanish
