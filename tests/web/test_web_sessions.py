"""How owner sessions end: logout and a new password end them everywhere, an idle one expires,
and a cookie signed with a leaked key is no login (see web.security)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from web.security import set_password

from .conftest import Browser

COOKIE = "switchboard_session"


def cookie_of(browser: Browser) -> str:
    cookie = browser.client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def client_with(app: Flask, cookie: str) -> FlaskClient:
    """Another browser that was handed a copy of ``cookie`` (saved, stolen or forged)."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie)
    return other


def is_login(client: FlaskClient) -> bool:
    page, api = client.get("/"), client.get("/api/status")
    assert (page.status_code == 200) == (api.status_code == 200)
    return api.status_code == 200


def forged(app: Flask, key: str, session: dict[str, Any]) -> str:
    """A session cookie signed with ``key``, as whoever found the key would make one."""
    thief = Flask("thief")
    thief.secret_key = key
    return app.session_interface.get_signing_serializer(thief).dumps(session)


def test_a_cookie_saved_before_logout_is_no_login_after_it(owner, app):
    saved = cookie_of(owner)
    assert is_login(client_with(app, saved))
    owner.logout()
    assert not is_login(client_with(app, saved))
    assert not is_login(owner.client)


def test_logout_ends_the_owner_s_sessions_in_every_browser(owner, app):
    other = Browser(app.test_client())
    assert other.login().status_code == 302
    owner.logout()
    assert not is_login(other.client)
    assert other.login().status_code == 302      # and the password still works
    assert is_login(other.client)


def test_a_stranger_posting_logout_does_not_end_the_owner_s_session(owner, app):
    stranger = Browser(app.test_client())
    response = stranger.client.post("/logout", data={"csrf_token": stranger.form_token("/login")})
    assert response.status_code == 302
    assert is_login(owner.client)


def test_a_cookie_signed_with_the_leaked_key_is_no_login(owner, app, store):
    key = store.setting("secret_key")   # what a backup made before this fix held
    csrf = {"user": "owner", "csrf": "chosen-by-the-forger"}
    assert not is_login(client_with(app, forged(app, key, csrf)))
    guessed = csrf | {"epoch": "0" * 64, "_permanent": True}
    assert not is_login(client_with(app, forged(app, key, guessed)))
    # The forger's method is right: with the epoch too, which never leaves the box, it would be.
    complete = csrf | {"epoch": store.setting("session_epoch")}
    assert is_login(client_with(app, forged(app, key, complete)))


def test_a_new_password_ends_sessions_and_changes_the_signing_key(owner, app, store):
    saved, key = cookie_of(owner), store.setting("secret_key")
    with app.test_request_context():
        set_password("a brand new password")
    assert store.setting("secret_key") != key
    assert app.secret_key == store.setting("secret_key")
    assert not is_login(client_with(app, saved))
    assert owner.login("a brand new password").status_code == 302
    assert is_login(owner.client)


def test_a_session_expires_after_twelve_idle_hours_and_use_keeps_it(owner, app, mocker):
    now = [2_000_000_000]
    mocker.patch.object(TimestampSigner, "get_timestamp", side_effect=lambda: now[0])
    assert owner.login().status_code == 302
    assert "Expires=" in owner.client.get("/").headers["Set-Cookie"]
    now[0] += 11 * 3600
    assert is_login(owner.client)                # a request refreshes the cookie...
    now[0] += 11 * 3600
    assert is_login(owner.client)
    saved = cookie_of(owner)
    now[0] += 12 * 3600 + 1
    assert not is_login(client_with(app, saved))  # ...and twelve idle hours end it


def test_the_cookie_is_secure_over_https_only(owner, make_app):
    assert "Secure" not in owner.client.get("/").headers["Set-Cookie"]
    https = owner.client.get("/", base_url="https://localhost")
    assert https.status_code == 200
    assert "; Secure" in https.headers["Set-Cookie"]
    always = Browser(make_app(SESSION_COOKIE_SECURE=True).test_client())
    assert "; Secure" in always.login().headers["Set-Cookie"]
