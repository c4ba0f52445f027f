"""The web layer: a Flask app factory with one blueprint per concern.

``create_app`` receives the ``ApplianceApi`` facade and nothing else from the appliance, so the
web never touches drivers or core state (and never imports ``hardware/``). It is served by
waitress in threads of the appliance's own process.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from appliance.api import ApplianceApi
from appliance.ops.archive import SECRET_SETTING

from . import api as api_views
from . import (
    audio,
    auth,
    backup,
    board,
    callbacks_pages,
    changes,
    conversations_pages,
    figures,
    health,
    history,
    hours,
    i18n,
    layout,
    lines,
    menus,
    pages,
    people,
    settings,
    sim,
    simulate,
    sounds,
    stats,
    teams,
    texting,
    voicemail,
    welcome,
)
from .errors import register_error_handlers
from .security import (
    STATE_KEY,
    LoginLimiter,
    SessionInterface,
    WebState,
    csrf_token,
    guard,
    logged_in,
    security_headers,
    web_state,
)

__all__ = ["SECRET_SETTING", "create_app"]

MAX_BODY_BYTES = 1024 * 1024  # config documents are small; refuse anything bigger early
# A session ends after this long without a request: a working day, so the owner logs in about
# once a day, and a cookie copied off a machine is worthless by the next morning. An open live page
# makes no requests (one event stream), so after this long it asks for the password again.
SESSION_IDLE = timedelta(hours=12)


def end_streams(app: Flask, timeout: float = 2.0) -> bool:
    """Before the server closes: end every live board's event stream and wait for them, so
    no request is left running (False if some did not end within ``timeout``)."""
    web_state(app).api.end_streams()
    return board.drain(app, timeout)


def create_app(api: ApplianceApi, *, api_key: str | None = None,
               test_config: dict[str, Any] | None = None, audio_library: Any = None) -> Flask:
    """Build the app. ``api_key`` enables the ``X-Api-Key`` header (an empty key enables nothing).

    ``test_config`` overrides settings such as ``TESTING``, ``LOGIN_MAX_FAILURES`` and
    ``LOGIN_LOCKOUT_S``. ``audio_library`` (an ``AudioLibrary``) enables ``/api/audio``.
    """
    app = Flask(__name__)
    app.session_interface = SessionInterface()
    app.config.update(
        # Kept in the store so logins survive restarts; never in a backup, so a restored box
        # makes a new one (appliance.backup).
        SECRET_KEY=api.admin.secret(SECRET_SETTING),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,   # True: always; otherwise whenever the request is HTTPS
        SESSION_COOKIE_NAME="switchboard_session",
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        LOGIN_MAX_FAILURES=5,
        LOGIN_LOCKOUT_S=30.0,
    )
    app.config.update(test_config or {})
    limiter = LoginLimiter(app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCKOUT_S"])
    app.extensions[STATE_KEY] = WebState(api=api, api_key=api_key or None, limiter=limiter)
    app.json.sort_keys = False  # keep the contract's field order readable
    app.add_template_global(csrf_token)
    app.add_template_global(logged_in)
    app.before_request(guard)
    app.after_request(security_headers)
    pages_for_owners = (pages.bp, lines.bp, hours.bp, menus.bp, teams.bp, people.bp,
                        sounds.bp, changes.bp, figures.bp, history.bp, callbacks_pages.bp,
                        conversations_pages.bp, settings.bp, welcome.bp)
    for blueprint in (auth.bp, *pages_for_owners, api_views.bp, sim.bp, voicemail.bp, health.bp,
                      audio.bp, backup.bp, stats.bp, simulate.bp, texting.bp):
        app.register_blueprint(blueprint)
    audio.install(app, audio_library)
    board.install(app)
    i18n.install(app)
    layout.install(app)
    register_error_handlers(app)
    return app
