"""A backup is not a login: no password hash or session secret goes into one or comes out of one,
and a cookie forged with a key from a backup is refused after the restore."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from flask import Flask

from appliance.api import ApplianceApi
from appliance.config.store import ConfigStore
from appliance.ops.backup import (
    apply_pending_restore,
    make_backup,
    restore_backup,
    stage_restore,
)
from tests.web.conftest import Browser
from web import create_app

from .test_backup import members, pack

SECRETS = {"password_hash": "pbkdf2:sha256:600000$salt$backup-hash", "secret_key": "k" * 64,
           "session_epoch": "e" * 64}


@pytest.fixture
def secretive(office: ConfigStore) -> ConfigStore:
    for key, value in SECRETS.items():
        office.set_setting(key, value)
    office.set_setting("harmless", "kept")
    return office


def archive_of(store: ConfigStore) -> bytes:
    buf = io.BytesIO()
    make_backup(store.path.parent, buf, store=store)
    return buf.getvalue()


def old_style(archive: bytes, secrets: dict[str, str] = SECRETS) -> bytes:
    """``archive`` as a Switchboard before this fix made it: with the box's secrets inside."""
    files = {k: v for k, v in members(archive).items() if k != "manifest.json"}
    config = json.loads(files["config.json"])
    for n, (key, value) in enumerate(secrets.items(), 100):
        config.setdefault("settings", {})[str(n)] = {"key": key, "value": value}
    return pack(files | {"config.json": json.dumps(config).encode()})


def settings_in(path: Path) -> dict[str, str]:
    rows = json.loads(path.read_bytes()).get("settings", {}).values()
    return {row["key"]: row["value"] for row in rows}


def test_a_backup_holds_no_password_hash_and_no_session_secret(secretive):
    archive = archive_of(secretive)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        everything = b"".join(tar.extractfile(m).read() for m in tar if m.isfile())
    for value in SECRETS.values():
        assert value.encode() not in everything
    config = json.loads(members(archive)["config.json"])
    assert [row["key"] for row in config["settings"].values()] == ["harmless"]


def test_a_staged_restore_keeps_the_box_s_password_and_no_secret_of_the_archive(
        secretive, data_dir, open_store):
    archive = old_style(archive_of(secretive))
    secretive.set_setting("password_hash", "the-box-s-hash")
    stage_restore(io.BytesIO(archive), data_dir, store=secretive)
    assert settings_in(data_dir / ".restore-pending" / "config.json") == {
        "harmless": "kept", "password_hash": "the-box-s-hash"}
    secretive.close()
    assert apply_pending_restore(data_dir) is not None
    again = open_store()
    assert again.setting("password_hash") == "the-box-s-hash"
    assert again.setting("secret_key") is None     # the web makes new ones at start
    assert again.setting("session_epoch") is None


def test_the_command_line_restore_keeps_the_box_s_password_too(secretive, data_dir, tmp_path,
                                                                open_store):
    archive = tmp_path / "old.tar.gz"
    archive.write_bytes(old_style(archive_of(secretive)))
    secretive.set_setting("password_hash", "the-box-s-hash")
    secretive.close()
    restore_backup(archive, data_dir)
    assert settings_in(data_dir / "config.json") == {"harmless": "kept",
                                                     "password_hash": "the-box-s-hash"}
    (data_dir / "config.json").unlink()              # a wiped box: nothing to keep
    restore_backup(archive, data_dir)
    assert settings_in(data_dir / "config.json") == {"harmless": "kept"}
    assert open_store().setting("password_hash") is None


# -- the attack, end to end on the web ---------------------------------------------------------


def web_on(store: ConfigStore, restored: str | None = None) -> Flask:
    return create_app(ApplianceApi(store, None, None, restored=restored),
                      test_config={"TESTING": True})


def forged(app: Flask, key: str, epoch: str) -> str:
    thief = Flask("thief")
    thief.secret_key = key
    return app.session_interface.get_signing_serializer(thief).dumps(
        {"user": "owner", "csrf": "forger", "epoch": epoch})


def is_login(app: Flask, cookie: str) -> bool:
    client = app.test_client()
    client.set_cookie("switchboard_session", cookie)
    return client.get("/api/storage").status_code == 200


def test_a_cookie_forged_with_a_backup_s_secrets_is_refused_after_the_restore(office,
                                                                             open_store):
    owner = Browser(web_on(office).test_client())
    assert owner.setup().status_code == 302
    key, epoch = office.setting("secret_key"), office.setting("session_epoch")
    leaked = old_style(archive_of(office), {"secret_key": key, "session_epoch": epoch})
    app = owner.client.application
    assert is_login(app, forged(app, key, epoch))   # the forgery is right while they are live
    saved = owner.client.get_cookie("switchboard_session").value
    upload = owner.client.post("/api/restore", headers={"X-CSRF-Token": owner.page_token()},
                               data={"file": (io.BytesIO(leaked), "backup.tar.gz")})
    assert upload.status_code == 202
    office.close()

    restored = apply_pending_restore(office.path.parent)      # what the next start does
    restarted = web_on(open_store(), restored)
    assert restarted.secret_key != key
    for cookie in (forged(restarted, key, epoch), saved):
        assert not is_login(restarted, cookie)
    again = Browser(restarted.test_client())
    assert again.login().status_code == 302           # the box's own password still works
    assert again.client.get("/api/storage").get_json()["restored"]
