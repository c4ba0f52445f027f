"""Response time of the owner's pages, and of the history's filters and CSV export, with
100 000 calls in the history.

Prints figures; asserts nothing. The sample office on simulated hardware, a history of
100 000 calls spread over two years (filled as ``bench/history.py`` does), one logged-in
owner; each page and the two JSON reads the live page makes are requested ``RUNS`` times
through Flask's test client (the app's own work: routing, the guard, the facade, the
template; no network), after ``WARMUP`` requests. The budget of issues 12 and 13: p95 under
50 ms. The CSV export of all 100 000 calls is timed whole, with the peak memory it added.
Run: ``.venv/bin/python bench/pages.py`` (about half a minute).
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.core.clock import ManualClock  # noqa: E402  (after the path is set)
from appliance.ops.assembly import build_simulated  # noqa: E402
from appliance.ops.seed import seed_sample_office  # noqa: E402
from web import create_app  # noqa: E402

CALLS = 100_000
RUNS = 200
WARMUP = 5
BUDGET_MS = 50.0
PAGES = ("/", "/changes/", "/changes/?line=line-1&at=2026-12-05T10:00&digits=1",
         "/lines/", "/lines/line-1", "/hours/", "/hours/office-hours", "/menus/",
         "/menus/main", "/teams/", "/teams/reception", "/people/", "/people/agents/ana",
         "/audio/", "/settings/", "/welcome/", "/api/status", "/api/calls?limit=10",
         "/api/calls?limit=50&offset=50000", "/api/calls?from=2026-06-01&to=2026-06-30",
         "/api/calls?team=sales&outcome=abandoned", "/api/calls?caller=12", "/history/",
         "/history/?outcome=abandoned&offset=500", "/figures/",
         "/figures/?from=2026-05-01&to=2026-05-31")


def history_bench():
    spec = importlib.util.spec_from_file_location("history_bench", ROOT / "bench" / "history.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        filled = history_bench().fill(data / "history.sqlite3", CALLS, random.Random(1))
        print(f"pages: history of {CALLS:,} calls filled in {filled:.1f} s")
        appliance = build_simulated(data, ManualClock())
        seed_sample_office(appliance.store)
        appliance.start()
        appliance.engine.settle()
        try:
            measure(appliance)
        finally:
            appliance.close()


def measure(appliance) -> None:
    client = create_app(appliance.api, test_config={"TESTING": True}).test_client()
    page = client.get("/setup").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/setup", data={"csrf_token": token, "password": "bench password",
                                "password_again": "bench password"})
    worst, everything = 0.0, []
    for path in PAGES:
        for _ in range(WARMUP):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            client.get(path).close()
            times.append((time.perf_counter() - began) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1]
        worst = max(worst, p95)
        everything += times
        print(f"pages: {path:<24} p50 {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms")
    overall = statistics.quantiles(everything, n=20)[-1]
    print(f"pages: all pages p95 {overall:.2f} ms, worst page p95 {worst:.2f} ms "
          f"(budget p95 < {BUDGET_MS:.0f} ms)")
    export(client)


def export(client) -> None:
    tracemalloc.start()
    began = time.perf_counter()
    reply = client.get("/api/calls.csv")
    lines = sum(chunk.count(b"\n") for chunk in reply.response)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    reply.close()
    print(f"pages: CSV export of {lines - 1:,} calls in {seconds:.2f} s "
          f"(peak Python memory {peak:.1f} MB)")


if __name__ == "__main__":
    main()
