"""Whole calls through the core with the real audio engine (in-memory ports, a fast
pacer): hold audio, the bridge, and no leaked threads or open devices after 1 000 calls."""

from __future__ import annotations

import threading

import pytest

from appliance.ops.assembly import build_simulated
from hardware.audio.format import LINE_FORMAT
from hardware.audio.mixer import AudioEngine
from hardware.audio.pacing import MonotonicPacer
from hardware.audio.ports import MemoryPort
from tests.office import Office
from tests.waiting import wait_for

CALLS = 1000
SAID = b"\x10\x00" * LINE_FORMAT.period_frames     # one period of "speech"


PACERS = {
    # A period every millisecond: 20 times real speed, yet the workers wait between periods
    # instead of spinning, so the thousand calls do not fight the core for the CPU.
    "fast": lambda: MonotonicPacer(0.001),
    "real-time": MonotonicPacer,
}


@pytest.fixture(params=["fast"])
def audio_office(tmp_path, clock, request):
    """``fast``: a period every millisecond; ``real-time``: 20 ms."""
    ports = {"line:l1": MemoryPort("line:l1", capture=SAID * 250),
             "station:s1": MemoryPort("station:s1", capture=SAID * 250)}
    pacer = PACERS[request.param]
    engine = AudioEngine(ports, lambda source: SAID, recordings=tmp_path / "rec",
                         pacer_factory=pacer, idle_linger_s=0.0)
    appliance = build_simulated(tmp_path / "data", clock, audio=engine)
    appliance.start()
    office = Office(appliance)
    office.add("stations", id="s1", name="Desk")
    office.add("agents", id="a1", name="Ana", station="s1")
    office.add("teams", id="t", name="T", members=["a1"], wrap_up_s=0, max_wait_s=0)
    office.add("lines", id="l1", name="SIM", entry={"team": "t"})
    yield office, engine, ports
    appliance.close()


@pytest.mark.parametrize("audio_office", ["real-time"], indirect=True)
def test_a_call_bridges_the_caller_and_the_desk(audio_office):
    office, engine, ports = audio_office
    office.call("l1")
    office.pick_up("s1")
    wait_for(lambda: SAID in ports["station:s1"].written, what="the caller heard at the desk")
    wait_for(lambda: SAID in ports["line:l1"].written, what="the desk heard by the caller")
    office.put_down("s1")
    assert engine.wait_idle(5)
    assert engine.active_ports() == []


def test_a_thousand_calls_leave_no_threads_or_open_devices(audio_office):
    office, engine, _ = audio_office
    before = {t.name for t in threading.enumerate()}
    for n in range(CALLS):
        office.call("l1", f"6000{n:05d}")
        office.pick_up("s1")
        office.put_down("s1")
    assert engine.wait_idle(10)
    assert engine.active_ports() == []
    assert [r["outcome"] for r in office.history(CALLS)] == ["answered"] * CALLS
    leftover = {t.name for t in threading.enumerate()} - before
    assert not {name for name in leftover if name.startswith("audio-")}
