"""The owner's password, sessions, CSRF on forms and the login rate limit."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from web.security import STATE_KEY


def test_first_visit_without_password_leads_to_setup(client):
    assert client.get("/").headers["Location"] == "/setup"
    assert client.get("/login").headers["Location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert 'name="password_again"' in page.get_data(as_text=True)


def test_setup_stores_only_a_hash_and_logs_the_owner_in(browser, store):
    response = browser.setup()
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome/"   # the setup guide comes next
    stored = store.setting("password_hash")
    assert browser.PASSWORD not in stored
    assert check_password_hash(stored, browser.PASSWORD)
    assert browser.client.get("/").status_code == 200


def test_second_setup_is_refused_and_keeps_the_password(owner, store, make_app):
    stored = store.setting("password_hash")
    assert owner.client.get("/setup").headers["Location"] == "/"
    response = owner.client.post("/setup", data={
        "csrf_token": owner.page_token(), "password": "another password",
        "password_again": "another password"})
    assert response.status_code == 403
    assert "already set" in response.get_data(as_text=True)
    assert store.setting("password_hash") == stored
    stranger = make_app().test_client()
    assert stranger.get("/setup").headers["Location"] == "/login"


def test_setup_refuses_short_and_mismatched_passwords(browser, store):
    short = browser.setup("short")
    assert short.status_code == 400
    assert "at least 8 characters" in short.get_data(as_text=True)
    mismatch = browser.setup("long enough 1", again="long enough 2")
    assert mismatch.status_code == 400
    assert "different" in mismatch.get_data(as_text=True)
    assert store.setting("password_hash") is None


def test_login_with_wrong_then_right_password(owner):
    owner.logout()
    wrong = owner.login("not the password")
    assert wrong.status_code == 401
    assert "Wrong password" in wrong.get_data(as_text=True)
    assert owner.client.get("/").headers["Location"] == "/login"
    right = owner.login()
    assert right.status_code == 302
    assert right.headers["Location"] == "/"
    assert owner.client.get("/").status_code == 200


def test_logout_ends_the_session(owner):
    response = owner.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert owner.client.get("/").headers["Location"] == "/login"
    assert owner.client.get("/api/status").status_code == 401


def test_forms_without_the_right_csrf_token_are_refused(owner, store):
    stored = store.setting("password_hash")
    for data in ({}, {"csrf_token": "forged"}):
        logout = owner.client.post("/logout", data=data)
        assert logout.status_code == 403
        assert "Reload the page" in logout.get_data(as_text=True)
    assert owner.client.get("/").status_code == 200  # still logged in
    owner.logout()
    login = owner.client.post("/login", data={"password": owner.PASSWORD})
    assert login.status_code == 403
    assert owner.client.get("/").status_code == 302
    assert store.setting("password_hash") == stored


def test_setup_form_needs_its_csrf_token(browser, store):
    browser.client.get("/setup")
    response = browser.client.post("/setup", data={
        "csrf_token": "forged", "password": "long enough", "password_again": "long enough"})
    assert response.status_code == 403
    assert store.setting("password_hash") is None


def test_login_is_refused_for_a_while_after_five_failures(owner, app):
    now = [1000.0]
    app.extensions[STATE_KEY].limiter.clock = lambda: now[0]
    owner.logout()
    for _ in range(5):
        assert owner.login("wrong password").status_code == 401
    locked = owner.login()  # the right password, but too soon
    assert locked.status_code == 429
    assert "Wait 30 seconds" in locked.get_data(as_text=True)
    other = owner.login(environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 302  # another address is not locked out
    owner.logout()
    now[0] += 31
    assert owner.login().status_code == 302


def test_rate_limit_follows_the_app_config(make_app, browser):
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_S=60.0)
    limiter = app.extensions[STATE_KEY].limiter
    limiter.clock = lambda: 50.0
    limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 0
    limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 60.0
    limiter.succeeded("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 0


def test_session_cookie_is_httponly_and_samesite_lax(browser):
    cookie = browser.setup().headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secret_key_is_made_once_and_kept(make_app, store):
    first = make_app()
    key = store.setting("secret_key")
    assert isinstance(key, str)
    assert len(key) == 64
    assert make_app().secret_key == first.secret_key == key


def test_session_survives_a_new_app_on_the_same_store(owner, make_app):
    cookie = owner.client.get_cookie("switchboard_session")
    assert cookie is not None
    restarted = make_app().test_client()
    restarted.set_cookie("switchboard_session", cookie.value)
    assert restarted.get("/api/status").status_code == 200
