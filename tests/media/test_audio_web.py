"""/api/audio with Flask's test client, on a real ConfigStore and a real library."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from appliance.api import ApplianceApi
from appliance.config.store import ConfigStore
from appliance.media.audio_library import MIB, AudioLibrary
from tests.media.conftest import PNG_MAGIC, needs_sox
from web import create_app

pytestmark = needs_sox
API_KEY = "test-key-0123456789"
KEYED = {"X-Api-Key": API_KEY}


@pytest.fixture
def library(tmp_path, fmt) -> AudioLibrary:
    return AudioLibrary(tmp_path / "audio", fmt)


def make_client(store: ConfigStore, library: AudioLibrary | None) -> FlaskClient:
    app = create_app(ApplianceApi(store, None, None), api_key=API_KEY,
                     test_config={"TESTING": True}, audio_library=library)
    return app.test_client()


@pytest.fixture
def client(store, library) -> FlaskClient:
    return make_client(store, library)


def post_audio(client: FlaskClient, path: Path, **form: str):
    with open(path, "rb") as f:
        return client.post("/api/audio", headers=KEYED, content_type="multipart/form-data",
                           data={"file": (f, path.name), **form})


def multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A hand-made body: werkzeug's test client never closes the temp file it encodes a big
    ``data={"file": ...}`` into (a ResourceWarning, which is an error here)."""
    boundary = "switchboard-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: audio/mpeg\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def hold(client, sounds) -> dict:
    reply = post_audio(client, sounds / "tone.ogg", name="Hold music")
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def test_every_route_needs_authentication(client, hold):
    audio = f"/api/audio/{hold['id']}"
    for method, path in (("get", "/api/audio"), ("post", "/api/audio"), ("get", audio),
                         ("get", f"{audio}/download"), ("delete", audio),
                         ("post", f"{audio}/reviewed")):
        reply = getattr(client, method)(path)
        assert reply.status_code == 401, (method, path)
        assert "error" in reply.get_json()


def test_upload_then_list_and_get(client, hold):
    assert hold["id"] == "hold-music"
    assert hold["name"] == "Hold music"
    assert hold["original_filename"] == "tone.ogg"
    assert hold["seconds"] == pytest.approx(3, abs=0.05)
    assert hold["used_by"] == []
    assert hold["stale"] is False
    listed = client.get("/api/audio", headers=KEYED).get_json()
    assert [item["id"] for item in listed] == ["hold-music"]
    one = client.get("/api/audio/hold-music", headers=KEYED)
    assert one.get_json() == listed[0]


def test_the_name_defaults_to_the_file_name(client, sounds):
    reply = post_audio(client, sounds / "tone.flac")
    assert reply.status_code == 201
    assert reply.get_json()["name"] == "tone"
    assert reply.headers["Location"].endswith("/api/audio/tone")


def test_a_rejected_upload_is_400_with_the_reason(client, sounds, library):
    reply = post_audio(client, sounds / "picture.mp3")
    assert reply.status_code == 400
    body = reply.get_json()
    assert set(body) == {"error", "fields"}
    assert "not an audio file (looks like a png image)" in body["fields"]["file"].lower()
    assert library.list() == []


def test_missing_file_and_unknown_schedule_are_field_errors(client, sounds):
    reply = client.post("/api/audio", headers=KEYED, data={"name": "x"})
    assert reply.status_code == 400
    assert "file" in reply.get_json()["fields"]
    reply = post_audio(client, sounds / "tone.ogg", schedule="nope")
    assert reply.status_code == 400
    assert reply.get_json()["fields"] == {"schedule": "No schedule with id 'nope'."}


def test_uploads_above_the_json_limit_reach_the_library(client):
    """1.5 MiB is over the app's 1 MiB JSON limit: only this route accepts it."""
    body, content_type = multipart("big.mp3", PNG_MAGIC + bytes(int(1.5 * MIB)))
    reply = client.post("/api/audio", headers=KEYED, content_type=content_type, data=body)
    assert reply.status_code == 400
    assert "not an audio file" in reply.get_json()["fields"]["file"].lower()


def test_an_oversized_body_is_a_413_json_error(client, store):
    body, content_type = multipart("huge.mp3", bytes(11 * MIB))
    reply = client.post("/api/audio", headers=KEYED, content_type=content_type, data=body)
    assert reply.status_code == 413
    assert reply.is_json
    assert "over 10 mb" in reply.get_json()["fields"]["file"].lower()
    big_json = {"id": "t", "name": "x" * (2 * MIB)}
    assert client.post("/api/teams", headers=KEYED, json=big_json).status_code == 413


def test_used_by_names_teams_menus_and_lines(client, store, hold):
    store.create("teams", {"id": "sales", "name": "Sales", "hold_audio": hold["id"]})
    store.create("menus", {"id": "main", "name": "Main", "prompt": {"audio": hold["id"]},
                           "options": {"1": {"team": "sales"}}})
    store.create("lines", {"id": "mobile", "name": "Mobile", "entry": {"team": "sales"},
                           "greeting": {"audio": hold["id"]}})
    used = client.get(f"/api/audio/{hold['id']}", headers=KEYED).get_json()["used_by"]
    assert used == [
        {"kind": "team", "id": "sales", "name": "Sales", "as": "hold audio", "draft": False},
        {"kind": "menu", "id": "main", "name": "Main", "as": "prompt", "draft": False},
        {"kind": "line", "id": "mobile", "name": "Mobile", "as": "greeting", "draft": False},
    ]


def test_delete_is_refused_while_a_team_holds_with_it(client, store, hold):
    store.create("teams", {"id": "sales", "name": "Sales", "hold_audio": hold["id"]})
    reply = client.delete(f"/api/audio/{hold['id']}", headers=KEYED)
    assert reply.status_code == 409
    assert "team 'Sales' (hold audio)" in reply.get_json()["error"]
    store.patch("teams", "sales", {"hold_audio": None})
    assert client.delete(f"/api/audio/{hold['id']}", headers=KEYED).status_code == 204
    assert client.get(f"/api/audio/{hold['id']}", headers=KEYED).status_code == 404


def test_delete_is_refused_while_only_the_draft_plays_it(client, store, hold):
    """Publishing that draft would otherwise name audio that no longer exists."""
    store.create("teams", {"id": "sales", "name": "Sales"})
    edit = client.patch("/api/draft/teams/sales", json={"hold_audio": hold["id"]}, headers=KEYED)
    assert edit.status_code == 200, edit.get_json()
    used = client.get(f"/api/audio/{hold['id']}", headers=KEYED).get_json()["used_by"]
    assert used == [{"kind": "team", "id": "sales", "name": "Sales", "as": "hold audio",
                     "draft": True}]
    reply = client.delete(f"/api/audio/{hold['id']}", headers=KEYED)
    assert reply.status_code == 409
    assert "team 'Sales' (hold audio, in the draft)" in reply.get_json()["error"]


def test_download_is_the_converted_wav(client, library, hold):
    reply = client.get(f"/api/audio/{hold['id']}/download", headers=KEYED)
    assert reply.status_code == 200
    assert reply.mimetype == "audio/wav"
    assert reply.data[:4] == b"RIFF"
    assert reply.data == library.wav_path(hold["id"]).read_bytes()
    reply.close()


def test_an_hours_change_flags_the_upload_until_reviewed(client, store, sounds):
    store.create("schedules", {"id": "office", "name": "Office",
                               "weekly": {"mon": [["09:00", "18:00"]]}})
    reply = post_audio(client, sounds / "tone.ogg", name="Closed", schedule="office")
    assert reply.get_json()["linked_schedule"] == "office"
    store.patch("schedules", "office", {"weekly": {"mon": [["10:00", "18:00"]]}})
    assert client.get("/api/audio/closed", headers=KEYED).get_json()["stale"] is True
    reply = client.post("/api/audio/closed/reviewed", headers=KEYED)
    assert reply.status_code == 200
    assert reply.get_json()["stale"] is False


def test_without_a_library_the_routes_say_so(store):
    client = make_client(store, None)
    reply = client.get("/api/audio", headers=KEYED)
    assert reply.status_code == 404
    assert "audio library is not configured" in reply.get_json()["error"]
    reply = client.post("/api/audio", headers=KEYED, data={})
    assert reply.status_code == 404
