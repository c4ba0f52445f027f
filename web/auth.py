"""The owner's password: first-run setup, login and logout.

There is no default password (a box on an office LAN with a factory password is the classic way
in): until the owner sets one, every page leads to ``/setup``. Only a werkzeug hash is stored,
in the config store's settings. Wrong passwords are rate-limited per remote address. Logging out
ends the owner's sessions everywhere (``web.security``): a copy of the cookie, kept from before,
is no login afterwards.
"""

from __future__ import annotations

import math

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from .security import (
    MIN_PASSWORD,
    end_all_sessions,
    logged_in,
    password_hash,
    password_problem,
    set_password,
    start_session,
    web_state,
)

bp = Blueprint("auth", __name__)

@bp.get("/setup")
def setup() -> ResponseReturnValue:
    if password_hash():
        return redirect(url_for("pages.index" if logged_in() else "auth.login"))
    return render_template("setup.html", min_length=MIN_PASSWORD)


@bp.post("/setup")
def setup_submit() -> ResponseReturnValue:
    """Set the first password. The lock makes check-then-set atomic between request threads."""
    state = web_state()
    with state.setup_lock:
        if password_hash():
            return render_template(
                "message.html", title=_("Password already set"),
                message=_("The owner's password is already set. Log in with it instead.")), 403
        password = request.form.get("password", "")
        error = password_problem(password, request.form.get("password_again", ""))
        if error:
            return render_template("setup.html", error=error, min_length=MIN_PASSWORD), 400
        set_password(password)
    start_session()
    return redirect(url_for("welcome.guide"))


@bp.get("/login")
def login() -> ResponseReturnValue:
    if not password_hash():
        return redirect(url_for("auth.setup"))
    if logged_in():
        return redirect(url_for("pages.index"))
    return render_template("login.html")


@bp.post("/login")
def login_submit() -> ResponseReturnValue:
    stored = password_hash()
    if not stored:
        return redirect(url_for("auth.setup"))
    limiter = web_state().limiter
    addr = request.remote_addr or "unknown"
    wait = limiter.retry_after(addr)
    if wait > 0:
        error = _("Too many wrong passwords. Wait %(seconds)d seconds, then try again.",
                  seconds=math.ceil(wait))
        return render_template("login.html", error=error), 429
    if not check_password_hash(stored, request.form.get("password", "")):
        limiter.failed(addr)
        return render_template("login.html", error=_("Wrong password. Try again.")), 401
    limiter.succeeded(addr)
    start_session()
    return redirect(url_for("pages.index"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the owner's sessions, not only this browser's cookie (which a copy would outlive).

    Only a logged-in owner can: anyone may post here with the CSRF token of their own anonymous
    session, and that must not log the owner out.
    """
    if logged_in():
        end_all_sessions()
    session.clear()
    return redirect(url_for("auth.login"))
