"""Shared fixtures: a simulated office on a manual clock, and a thread-leak check."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime

import pytest

from appliance.core.clock import ManualClock
from tests.office import running

# Wednesday 2026-11-25 10:00 in Madrid.
WEDNESDAY_10 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY_10)


@pytest.fixture
def bare_office(tmp_path, clock):
    """A started appliance with an empty configuration."""
    with running(tmp_path / "data", clock) as office:
        yield office


@pytest.fixture
def office(bare_office):
    """Three desks with an agent each, one team (linear), two lines straight to the team."""
    o = bare_office
    for n in (1, 2, 3):
        o.add("stations", id=f"s{n}", name=f"Desk {n}")
        o.add("agents", id=f"a{n}", name=f"Agent {n}", station=f"s{n}")
    o.add("teams", id="sales", name="Sales", strategy="linear", members=["a1", "a2", "a3"],
          ring_timeout_s=10, max_wait_s=0, wrap_up_s=0, max_queue=0, autopause_after=0)
    for n in (1, 2):
        o.add("lines", id=f"l{n}", name=f"Line {n}", entry={"team": "sales"})
    return o


@pytest.fixture(autouse=True)
def no_thread_leaks():
    """Every thread a test starts must be stopped and joined by the end of it."""
    before = set(threading.enumerate())
    yield
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


def installed(program: str, package: str) -> str:
    """The path of a program the tests need; without it they fail saying what installs it."""
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is not installed; ./dev test installs {package} (as root).")
    return found


@pytest.fixture(scope="session")
def baresip_installed() -> str:
    return installed("baresip", "baresip-core")
