"""Fixtures for the web layer, on the real appliance: ``bare_office`` (tests/conftest.py) is the
whole core on simulated hardware and a manual clock, so no test sleeps.

The app is built the way ``switchboard demo`` builds it; ``Browser`` adds the steps a person takes
in a browser (forms carry their CSRF field, the live page hands its token to the JavaScript).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from appliance.api import ApplianceApi
from appliance.config.store import ConfigStore
from tests.office import Office
from web import create_app

API_KEY = "test-key-0123456789"
PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Browser:
    """A test client plus the steps a person takes in the browser (forms carry the CSRF field)."""

    PASSWORD = PASSWORD
    API_KEY = API_KEY

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def form_token(self, path: str) -> str:
        found = CSRF_RE.search(self.client.get(path).get_data(as_text=True))
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    def page_token(self) -> str:
        """The token the live page hands its JavaScript in the ``<meta>`` tag."""
        found = META_RE.search(self.client.get("/").get_data(as_text=True))
        assert found, "no csrf-token meta tag on the live page"
        return found.group(1)

    def setup(self, password: str = PASSWORD, again: str | None = None) -> TestResponse:
        token = self.form_token("/setup")
        return self.client.post("/setup", data={
            "csrf_token": token, "password": password,
            "password_again": password if again is None else again})

    def login(self, password: str = PASSWORD, **kwargs: Any) -> TestResponse:
        token = self.form_token("/login")
        return self.client.post("/login", data={"csrf_token": token, "password": password},
                                **kwargs)

    def logout(self) -> TestResponse:
        return self.client.post("/logout", data={"csrf_token": self.page_token()})


@pytest.fixture
def store(bare_office: Office) -> ConfigStore:
    return bare_office.store


@pytest.fixture
def engine(bare_office: Office) -> Any:
    return bare_office.engine


@pytest.fixture
def history(bare_office: Office) -> Any:
    return bare_office.app.history


@pytest.fixture
def simulation(bare_office: Office) -> Any:
    """The simulated hardware: what ``api.sim`` hands the simulation routes."""
    return bare_office.hw


@pytest.fixture
def make_app(bare_office: Office) -> Callable[..., Flask]:
    """Build an app on the real appliance (simulated hardware, manual clock).

    With ``simulated=False`` the API gets the same store, core and history but no simulation,
    as on real hardware.
    """

    def build(*, simulated: bool = False, api_key: str | None = API_KEY,
              **config: Any) -> Flask:
        real = bare_office.app
        api = real.api if simulated else ApplianceApi(real.store, real.engine, real.history)
        return create_app(api, api_key=api_key, test_config={"TESTING": True, **config})

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def sim_browser(make_app: Callable[..., Flask]) -> Browser:
    """A browser on an app whose hardware is simulated (``switchboard demo``)."""
    return Browser(make_app(simulated=True).test_client())


@pytest.fixture
def owner(browser: Browser) -> Browser:
    """A browser logged in as the owner (the password was just set through /setup)."""
    assert browser.setup().status_code == 302
    return browser


@pytest.fixture
def keyed() -> dict[str, str]:
    """Headers of an API client that authenticates with the key."""
    return {"X-Api-Key": API_KEY}


@pytest.fixture
def seeded(bare_office: Office) -> Office:
    """A small office the tests refer to: two handsets, Ana at the first, Sales, one line."""
    bare_office.add("stations", id="desk-1", name="Desk 1")
    bare_office.add("stations", id="desk-2", name="Desk 2")
    bare_office.add("agents", id="ana", name="Ana", station="desk-1")
    bare_office.add("teams", id="sales", name="Sales", members=["ana"], wrap_up_s=0)
    bare_office.add("schedules", id="office", name="Office", timezone="Europe/Madrid",
                    weekly={"mon": [["09:00", "18:00"]]})
    bare_office.add("lines", id="mobile", name="Mobile", entry={"team": "sales"})
    return bare_office
