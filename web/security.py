"""Who may do what: the login limiter, CSRF tokens and the one guard in front of every request.

The guard is deny-by-default: every URL needs a logged-in owner (pages) or an API key / session
(``/api``) unless its endpoint is listed in ``PUBLIC_ENDPOINTS``, so a route added later cannot be
left open by forgetting a decorator. The appliance sits on an office LAN, usually without TLS,
so the session cookie is HttpOnly and SameSite=Lax (and Secure when the request came over
HTTPS), and every state-changing request made with the session also carries a per-session CSRF
token.

A signed cookie alone would be a login for as long as the signing key lives, so a session also
carries the *session epoch*: a random value in the store's settings, checked on every request.
Logout and a new password replace it, which ends every owner session at once (server-side, not
just in the browser that logged out). Neither the epoch nor the signing key is ever in a backup
(``appliance.ops.archive.BOX_SETTINGS``), and a restored box makes both anew at its next start.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from appliance.ops.archive import EPOCH_SETTING, PASSWORD_SETTING, SECRET_SETTING

from .i18n import N_

if TYPE_CHECKING:
    from appliance.api import ApplianceApi

STATE_KEY = "switchboard"
SESSION_USER = "owner"
SESSION_EPOCH = "epoch"
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-Api-Key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({
    "auth.setup", "auth.setup_submit", "auth.login", "auth.login_submit", "auth.logout", "static",
    "health.healthz", "i18n.choose_language",
})
CSRF_FORM_MESSAGE = N_("This form has expired or was sent from another site. "
                     "Reload the page and try again.")


@dataclass
class _Attempts:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginLimiter:
    """Refuses a remote address for ``lockout_s`` seconds after ``max_failures`` wrong passwords.

    It lives in memory on the app (a restart forgets it, acceptable on a LAN appliance) and
    takes an injectable ``clock`` so tests need no sleeps. Waitress serves requests on several
    threads, hence the lock; the table is bounded so a flood of addresses cannot grow it forever.
    """

    def __init__(self, max_failures: int = 5, lockout_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, max_tracked: int = 1024) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self._max_tracked = max_tracked
        self._lock = threading.Lock()
        self._attempts: dict[str, _Attempts] = {}

    def retry_after(self, addr: str) -> float:
        """Seconds until ``addr`` may try again; 0 when it may try now."""
        with self._lock:
            attempts = self._attempts.get(addr)
            return 0.0 if attempts is None else max(0.0, attempts.locked_until - self.clock())

    def failed(self, addr: str) -> None:
        now = self.clock()
        with self._lock:
            attempts = self._attempts.setdefault(addr, _Attempts())
            if now - attempts.last > self.lockout_s:
                attempts.count = 0  # old mistakes are forgiven
            attempts.count += 1
            attempts.last = now
            if attempts.count >= self.max_failures:
                attempts.count = 0
                attempts.locked_until = now + self.lockout_s
            self._prune(now)

    def succeeded(self, addr: str) -> None:
        with self._lock:
            self._attempts.pop(addr, None)

    def _prune(self, now: float) -> None:
        if len(self._attempts) <= self._max_tracked:
            return
        for addr, attempts in list(self._attempts.items()):
            if attempts.locked_until <= now and now - attempts.last > self.lockout_s:
                del self._attempts[addr]
        while len(self._attempts) > self._max_tracked:
            oldest = min(self._attempts, key=lambda a: self._attempts[a].last)
            del self._attempts[oldest]


@dataclass
class WebState:
    """What the blueprints share, kept on ``app.extensions`` instead of in module globals."""

    api: ApplianceApi
    api_key: str | None
    limiter: LoginLimiter
    setup_lock: threading.Lock = field(default_factory=threading.Lock)


def web_state(app: Flask | None = None) -> WebState:
    return (app or current_app).extensions[STATE_KEY]


# -- password and session ----------------------------------------------------------------------


MIN_PASSWORD = 8
MAX_PASSWORD = 1000  # hashing megabytes of "password" would be a cheap way to load the Pi


def password_problem(password: str, again: str) -> str | None:
    """Why a new password is refused, in words the owner can act on; ``None`` if it is fine."""
    if len(password) < MIN_PASSWORD:
        return _("Use at least %(count)d characters.", count=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("Use at most %(count)d characters.", count=MAX_PASSWORD)
    if password != again:
        return _("The two passwords are different; type the same password twice.")
    return None


def password_hash() -> str | None:
    return web_state().api.admin.setting(PASSWORD_SETTING)


def set_password(password: str) -> None:
    """Store the new password's hash, and start afresh: end every earlier session and sign
    cookies with a new key, so a key that leaked along with the old password is worthless.

    Setup uses it; a future "change password" page must too.
    """
    admin = web_state().api.admin
    admin.set_setting(PASSWORD_SETTING, generate_password_hash(password))
    key = secrets.token_hex(32)
    admin.set_setting(SECRET_SETTING, key)
    current_app.secret_key = key
    end_all_sessions()


def end_all_sessions() -> None:
    """A new session epoch: every owner session made before it stops being a login."""
    web_state().api.admin.set_setting(EPOCH_SETTING, secrets.token_hex(32))


def logged_in() -> bool:
    """The cookie names the owner *and* carries the current epoch (ended sessions don't)."""
    return session.get("user") == SESSION_USER and same_secret(
        session.get(SESSION_EPOCH), web_state().api.admin.secret(EPOCH_SETTING))


def start_session() -> None:
    """A fresh session after login or setup: nothing from before the login is carried over.

    It is permanent, so it expires after ``PERMANENT_SESSION_LIFETIME`` without a request
    (Flask refreshes the cookie on every request and refuses an older signature).
    """
    session.clear()
    session.permanent = True
    session["user"] = SESSION_USER
    session[SESSION_EPOCH] = web_state().api.admin.secret(EPOCH_SETTING)
    session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, also marked ``Secure`` when the request came over HTTPS.

    The box is usually reached over plain HTTP on the LAN, where a ``Secure`` cookie would never
    come back; behind an HTTPS proxy (waitress told to trust its ``X-Forwarded-Proto``) it must
    not leak over HTTP. ``SESSION_COOKIE_SECURE = True`` forces it.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def csrf_token() -> str:
    """The session's CSRF token, created on first use (templates call this for forms and meta)."""
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def same_secret(given: Any, expected: str | None) -> bool:
    """Constant-time comparison that is simply false for missing or non-text values."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


# -- the guard ----------------------------------------------------------------------------------


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, message: str) -> ResponseReturnValue:
    return jsonify({"error": message, "fields": {}}), status


def guard() -> ResponseReturnValue | None:
    """``before_request`` for the whole app: returns a response to refuse, ``None`` to allow."""
    return _guard_api() if is_api_request() else _guard_page()


def _guard_api() -> ResponseReturnValue | None:
    given = request.headers.get(API_KEY_HEADER)
    if given is not None:
        state = web_state()
        if same_secret(given, state.api_key):
            g.who = "the start-up API key"
            return None
        if (name := state.api.admin.api_key_name(given)) is not None:
            g.who = f"API key '{name}'"
            return None
        return json_error(401, "The X-Api-Key header is wrong: use the box's start-up key "
                               "(SWITCHBOARD_API_KEY on an installed box, --api-key on the "
                               "demo) or a key made on the Settings page.")
    if not logged_in():
        return json_error(401, "Log in on the web page, or send the X-Api-Key header.")
    if request.method not in SAFE_METHODS and not same_secret(
            request.headers.get(CSRF_HEADER), session.get(CSRF_SESSION_KEY)):
        return json_error(403, "Missing or wrong X-CSRF-Token header; reload the page and "
                               "try again.")
    return None


def who() -> str:
    """Who is making this request, for the log of configuration changes."""
    return g.get("who", "the owner")


def _guard_page() -> ResponseReturnValue | None:
    if request.method not in SAFE_METHODS and not same_secret(
            request.form.get(CSRF_FIELD), session.get(CSRF_SESSION_KEY)):
        return render_template("message.html", title=_("Form refused"),
                               message=_(CSRF_FORM_MESSAGE)), 403
    if request.endpoint in PUBLIC_ENDPOINTS or logged_in():
        return None
    return redirect(url_for("auth.login" if password_hash() else "auth.setup"))


def security_headers(response: Any) -> Any:
    """``after_request``: no framing, no inline script, no caching of live data."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    if is_api_request():
        response.headers.setdefault("Cache-Control", "no-store")
    return response
