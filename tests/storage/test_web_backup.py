"""The web routes of ``web.backup`` on the real appliance (simulated hardware, manual clock)."""

from __future__ import annotations

import errno
import io
import os
import tarfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from web import create_app

KEY = {"X-Api-Key": "storage-test-key-0123"}


@pytest.fixture
def app(bare_office) -> Flask:
    return create_app(bare_office.app.api, api_key=KEY["X-Api-Key"],
                      test_config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def seeded(bare_office):
    bare_office.add("stations", id="desk-1", name="Desk 1")
    bare_office.add("agents", id="ana", name="Ana", station="desk-1")
    return bare_office


def download(client: FlaskClient) -> bytes:
    with client.get("/api/backup", headers=KEY) as reply:   # closing it closes the temp file
        assert reply.status_code == 200
        return reply.get_data()


def upload(client: FlaskClient, data: bytes) -> tuple[int, dict]:
    """Status and JSON of a multipart upload, encoded in memory (the test client would spool a
    big body to a temp file it never closes)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "backup.tar.gz")})
    reply = client.post("/api/restore", headers=KEY, data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")
    return reply.status_code, reply.get_json()


def test_backup_downloads_an_archive_of_the_live_appliance(client, seeded):
    with client.get("/api/backup", headers=KEY) as reply:
        assert reply.status_code == 200
        assert reply.mimetype == "application/gzip"
        disposition = reply.headers["Content-Disposition"]
        data = reply.get_data()
    assert disposition.startswith("attachment; filename=switchboard-backup-")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
    assert {"config.json", "history.sqlite3", "manifest.json"} <= set(names)


def test_backup_and_restore_need_a_login(client):
    assert client.get("/api/backup").status_code == 401
    assert client.post("/api/restore").status_code == 401


def test_restore_is_verified_and_staged_for_the_next_start(client, seeded):
    archive = download(client)
    seeded.change("stations", "desk-1", name="Renamed after the backup")
    status, body = upload(client, archive)
    assert status == 202
    assert body["restart_required"] is True
    assert body["restored"]["resources"]["agents"] == 1
    assert seeded.store.get("stations", "desk-1")["name"] == "Renamed after the backup"
    data_dir = seeded.store.path.parent
    assert (data_dir / ".restore-pending" / "config.json").exists()
    status = client.get("/api/storage", headers=KEY).get_json()
    assert status == {"schema_version": 2, "recovered": None, "restored": None,
                      "restore_pending": True}


def test_a_bad_upload_is_refused_with_the_reason(client, seeded):
    status, body = upload(client, b"not an archive at all")
    assert status == 400
    assert body["error"].startswith("This backup cannot be restored: not a "
                                                "Switchboard backup")
    assert not list(seeded.store.path.parent.glob(".restore*"))
    reply = client.post("/api/restore", headers=KEY, data={})
    assert reply.status_code == 400
    assert "file" in reply.get_json()["fields"]


def test_uploads_larger_than_the_api_body_limit_are_accepted_here(client, seeded):
    audio = seeded.store.path.parent / "audio"
    audio.mkdir(exist_ok=True)
    (audio / "big.pcm").write_bytes(os.urandom(3 * 1024 * 1024))   # incompressible, > 1 MB
    archive = download(client)
    assert len(archive) > 1024 * 1024
    assert upload(client, archive)[0] == 202


def test_a_full_card_is_a_507_with_a_sentence(client, seeded, mocker):
    mocker.patch("os.replace", side_effect=OSError(errno.ENOSPC, "No space left on device"))
    reply = client.post("/api/stations", headers=KEY, json={"name": "Desk 2"})
    assert reply.status_code == 507
    assert reply.get_json()["error"].startswith("The SD card is full")


def test_versions_publish_list_and_restore(client, seeded):
    reply = client.post("/api/versions", headers=KEY, json={"note": "first"})
    assert (reply.status_code, reply.get_json()) == (201, {"id": 1})
    seeded.change("stations", "desk-1", name="Changed")
    listed = client.get("/api/versions", headers=KEY).get_json()
    assert [v["note"] for v in listed["versions"]] == ["first"]
    assert listed["draft"] is False
    reply = client.post("/api/versions/1/restore", headers=KEY)
    assert reply.status_code == 200
    assert seeded.store.get("stations", "desk-1")["name"] == "Desk 1"
    assert client.post("/api/versions/99/restore", headers=KEY).status_code == 404
    assert client.post("/api/versions", headers=KEY, json={"note": 5}).status_code == 400


def test_a_draft_is_edited_checked_and_published(client, seeded):
    assert client.get("/api/draft/stations", headers=KEY).get_json()[0]["id"] == "desk-1"
    assert client.get("/api/draft/check", headers=KEY).get_json() == {"problems": []}
    assert client.get("/api/versions", headers=KEY).get_json()["draft"] is False   # read only
    reply = client.post("/api/draft/stations", headers=KEY, json={"name": "Desk 2"})
    assert reply.status_code == 201
    assert client.get("/api/draft/stations/desk-2", headers=KEY).get_json()["name"] == "Desk 2"
    assert client.put("/api/draft/stations/desk-2", headers=KEY,
                      json={"name": "Desk Two"}).status_code == 200
    assert len(client.get("/api/draft/stations", headers=KEY).get_json()) == 2
    bad = client.post("/api/draft/agents", headers=KEY, json={"name": "Eve", "station": "x"})
    assert bad.status_code == 400
    assert client.get("/api/draft/check", headers=KEY).get_json() == {"problems": []}
    assert client.get("/api/stations", headers=KEY).get_json()[-1]["id"] == "desk-1"
    reply = client.post("/api/draft/publish", headers=KEY, json={"note": "new desk"})
    assert reply.status_code == 201
    assert seeded.store.get("stations", "desk-2")["name"] == "Desk Two"
    client.post("/api/draft/stations", headers=KEY, json={"name": "Desk 3"})
    assert client.delete("/api/draft/stations/desk-3", headers=KEY).status_code == 204
    assert client.delete("/api/draft", headers=KEY).status_code == 204
    assert client.get("/api/versions", headers=KEY).get_json()["draft"] is False
