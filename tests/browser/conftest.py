"""Real headless Chromium (Debian's, through Playwright) against the app served on loopback.

The appliance runs on simulated hardware with the sample office and a clock that stands
still on Saturday 5 December 2026, 11:00 in Madrid (the sample office is closed on
Saturdays). Each test gets a fresh box and browser context; a failing test leaves a
screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import math
import shutil
import struct
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from waitress.server import create_server

from appliance.core.clock import ManualClock
from appliance.media.audio_library import AudioLibrary
from appliance.ops.assembly import build_simulated
from appliance.ops.cli import close_server
from appliance.ops.seed import seed_sample_office
from hardware.audio.format import LINE_FORMAT
from web import create_app, end_streams

SATURDAY_11 = datetime(2026, 12, 5, 11, 0, tzinfo=ZoneInfo("Europe/Madrid"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse battery"
API_KEY = "browser-tests-key-0123"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed; ./dev test installs it (as root).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_thread_leaks(chromium: Browser) -> Iterator[None]:
    """The suite's leak check, taken after Playwright's own long-lived threads exist."""
    before = set(threading.enumerate())
    yield
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()
              and not t.name.startswith("asyncio_")]    # Playwright's pool, kept for the session
    assert not leaked, f"threads left running: {leaked}"


class Web:
    """The app served by waitress, as the box serves it, on one loopback port that survives a
    restart (``stop`` then ``start``: the browser finds the box again where it was)."""

    def __init__(self, app: Any) -> None:
        self.app, self.port = app, 0
        self.server: Any = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.server = create_server(self.app, host="127.0.0.1", port=self.port, threads=8)
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, name="web-under-test")
        self.thread.start()

    def stop(self) -> None:
        close_server(self.server)
        self.thread.join(timeout=5)


@contextmanager
def served(tmp_path: Path, sip: Any = None) -> Iterator[dict]:
    """The sample office (with ``sip``: also its analog line and SIP desk) served on a free
    loopback port: {"url", "appliance", "web"}."""
    clock = ManualClock(SATURDAY_11)
    library = AudioLibrary(tmp_path / "audio", LINE_FORMAT)
    appliance = build_simulated(tmp_path / "data", clock, library=library, sip=sip)
    seed_sample_office(appliance.store, sip=sip is not None)
    appliance.start()
    appliance.engine.settle()
    web = Web(create_app(appliance.api, api_key=API_KEY, audio_library=library))
    web.start()
    try:
        yield {"url": f"http://127.0.0.1:{web.port}", "appliance": appliance, "web": web}
    finally:
        try:
            end_streams(web.app)
            web.stop()
        finally:
            appliance.close()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[dict]:
    with served(tmp_path) as served_box:
        yield served_box


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page (390 px) in Spanish; tests change either when they need to."""
    context = chromium.new_context(locale="es-ES", viewport={"width": 390, "height": 844})
    context.set_default_timeout(5000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    if report.when == "call":
        item.report_call = report      # type: ignore[attr-defined]  # read by ``page``
    return report


def set_password(page: Page, url: str, *, guide: bool = False) -> None:
    """The first-run steps: the box asks for the owner's password, then offers the setup
    guide, which most tests skip (``guide``: stay on it)."""
    page.goto(url + "/")
    page.get_by_label("Contraseña nueva").fill(PASSWORD)
    page.get_by_label("Escríbala otra vez").fill(PASSWORD)
    page.get_by_role("button", name="Poner la contraseña").click()
    page.wait_for_url(url + "/welcome/")
    if not guide:
        page.get_by_role("link", name="Saltar por ahora").click()
        page.wait_for_url(url + "/")


def a_tone(path: Path, seconds: float = 1.0) -> Path:
    """A short 440 Hz WAV, as an owner's hold music would be (made here, no tools)."""
    rate = 8000
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                      for n in range(int(rate * seconds)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def fits_a_phone_with_no_serious_violations(page: Page, path: str) -> None:
    """The loaded page has no sideways scroll and axe finds nothing serious or critical."""
    page.wait_for_load_state("load")
    assert no_horizontal_scroll(page), path
    found = Axe().run(page).response["violations"]
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in found
               if v["impact"] in ("serious", "critical")]
    assert serious == [], (path, serious)
