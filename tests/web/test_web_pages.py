"""The live page: after login, fed by the event stream, simulation controls only in the demo."""

from __future__ import annotations

import re

import pytest


def test_live_page_needs_login(browser):
    browser.setup()
    browser.logout()
    response = browser.client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_live_page_has_the_board_script_and_tables(owner):
    response = owner.client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<script src="/static/live.js" defer></script>' in html
    assert "data-poll" not in html
    for table in ("hours", "lines", "people", "calls", "history"):
        assert f'<tbody id="{table}">' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]{20,}">', html)
    assert 'action="/logout"' in html


def test_live_page_without_simulation_has_no_sim_controls(owner):
    html = owner.client.get("/").get_data(as_text=True)
    assert 'data-simulated="false"' in html
    assert "sim-clock" not in html
    assert "Caller hangs up" not in html


def test_live_page_in_the_demo_has_sim_controls(sim_browser):
    sim_browser.setup()
    html = sim_browser.client.get("/").get_data(as_text=True)
    assert 'data-simulated="true"' in html
    assert '<input type="datetime-local" id="sim-clock-input"' in html
    assert 'name="caller"' in html
    assert "Caller hangs up" in html
    assert "Pick up" in html
    assert "Hang up" in html
    digits = re.findall(r'data-digit="(.)"', html)
    assert sorted(digits) == sorted("0123456789*#")


def test_board_script_listens_and_never_polls(client):
    script = client.get("/static/live.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    script.close()
    for needle in ('new EventSource("/api/events")', '"X-CSRF-Token"', "/api/sim/clock",
                   "/presence", "/override"):
        assert needle in text
    assert "setInterval(poll" not in text
    assert "/api/status?translated" not in text
    assert "http://" not in text
    assert "https://" not in text


def test_stylesheet_is_served_without_login(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "table" in response.get_data(as_text=True)
    response.close()


@pytest.mark.parametrize("path", ["/", "/setup", "/login"])
def test_pages_forbid_framing_and_inline_scripts(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_have_no_inline_script(owner):
    html = owner.client.get("/").get_data(as_text=True)
    assert "<script>" not in html
    assert "onclick" not in html
