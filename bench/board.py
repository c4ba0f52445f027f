"""The live board: how fast a call reaches an open board, and what an idle board costs.

Prints figures; asserts nothing. The sample office on simulated hardware (a clock standing
on a Saturday at 11:00, hours opened by hand so calls queue), served by waitress on loopback
as the box serves it.

1. Update latency: an event stream reader (Python's http.client, one per run) waits on
   /api/events; each sample posts a caller to line-1 (or hangs them up) and times until the
   board document showing it arrives. The budget of issue 13: p95 under 200 ms.
2. Idle cost: real Chromium (Debian's, through Playwright) opens the live page, then sits
   for ``IDLE_S`` seconds while nothing happens; every request the page makes is counted
   (the budget: none besides the one event stream), and the keep-alive comments the stream
   carried in that time are counted by a second reader.
Run: ``.venv/bin/python bench/board.py`` (about a minute).
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from waitress.server import create_server  # noqa: E402  (after the path is set)

from appliance.core.clock import ManualClock  # noqa: E402
from appliance.ops.assembly import build_simulated  # noqa: E402
from appliance.ops.cli import close_server  # noqa: E402
from appliance.ops.seed import seed_sample_office  # noqa: E402
from web import create_app, end_streams  # noqa: E402

SAMPLES = 200
IDLE_S = 30
KEY = "bench-key-0123456789"
PASSWORD = "correct horse battery"  # noqa: S105  (a throw-away box)


class Reader:
    """One /api/events stream read line by line."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", "/api/events", headers={"X-Api-Key": KEY})
        self.response = self.connection.getresponse()

    def next_event(self) -> str:
        """The next board document's data, or ":" for a keep-alive comment (or the retry
        line the stream starts with)."""
        lines = []
        while (line := self.response.readline().decode()) != "\n":
            lines.append(line)
        data = [line for line in lines if line.startswith("data: ")]
        return data[0][6:] if data else ":"

    def close(self) -> None:
        self.connection.close()


def latency(port: int, appliance) -> list[float]:
    reader = Reader(port)
    reader.next_event()                                  # the board as it is
    samples = []
    for n in range(SAMPLES):
        calling = n % 2 == 0
        start = time.perf_counter()
        if calling:
            appliance.api.sim.incoming("line-1", "600111222")
        else:
            appliance.api.sim.hangup("line-1")
        while (data := reader.next_event()) == ":" or bool(json.loads(data)["calls"]) != calling:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    reader.close()
    return samples


def idle(url: str) -> tuple[int, list[str]]:
    """Keep-alives a stream carries and requests Chromium's live page makes, idle."""
    from playwright.sync_api import sync_playwright

    counter = Reader(int(url.rsplit(":", 1)[1]))
    while counter.next_event() == ":":         # the retry line, then the board as it is
        pass
    alive = []
    counting = threading.Thread(target=lambda: alive.extend(
        iter(lambda: counter.next_event() == ":" or None, None)), name="keep-alives")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url + "/setup")
        page.fill("#password", PASSWORD)
        page.fill("#password_again", PASSWORD)
        page.click("form.narrow button[type=submit]")
        page.wait_for_url(url + "/welcome/")
        page.goto(url + "/")
        page.wait_for_selector('#live[data-connected="true"]', state="attached")
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        counting.start()
        page.wait_for_timeout(IDLE_S * 1000)
        browser.close()
    counter.close()
    counting.join(timeout=20)
    return len(alive), requests


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 12, 5, 11, 0, tzinfo=ZoneInfo("Europe/Madrid")))
        appliance = build_simulated(Path(tmp) / "data", clock)
        seed_sample_office(appliance.store)
        appliance.start()
        appliance.engine.settle()
        appliance.api.set_override("office-hours", {
            "open": True, "until": (clock.now() + timedelta(hours=8)).isoformat()})
        app = create_app(appliance.api, api_key=KEY)
        server = create_server(app, host="127.0.0.1", port=0, threads=10)
        web = threading.Thread(target=server.run, name="web")
        web.start()
        url = f"http://127.0.0.1:{server.effective_port}"
        try:
            samples = sorted(latency(server.effective_port, appliance))
            p50 = statistics.median(samples)
            p95 = samples[int(len(samples) * 0.95) - 1]
            print(f"board update latency, call event to stream reader ({SAMPLES} samples): "
                  f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms "
                  f"(budget p95 < 200 ms)")
            keep_alives, requests = idle(url)
            print(f"idle live board in Chromium for {IDLE_S} s: {len(requests)} requests "
                  f"({len(requests) * 60 / IDLE_S:.1f} per minute; budget 0), the stream "
                  f"carried {keep_alives} keep-alive comments")
            for request in requests:
                print("  request:", request)
        finally:
            end_streams(app)
            close_server(server)
            web.join(timeout=5)
            appliance.close()


if __name__ == "__main__":
    main()
