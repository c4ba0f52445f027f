"""The core with real modem drivers on pty fake modems: failures end calls cleanly."""

from __future__ import annotations

import pytest

from appliance.assembly import build_simulated
from appliance.clock import SystemClock
from hardware.fakes.modem import Dialect, FakeModem
from tests.waiting import wait_for


@pytest.fixture
def office(tmp_path):
    modem = FakeModem(Dialect.SIM7600, link=tmp_path / "sim7600-at")
    modem.start()
    appliance = build_simulated(tmp_path / "data", SystemClock(), line_devices={"l1": modem.path})
    store = appliance.store
    for n in (1, 2):
        store.create("stations", {"id": f"s{n}", "name": f"Desk {n}"})
        store.create("agents", {"id": f"a{n}", "name": f"Agent {n}", "station": f"s{n}"})
    store.create("teams", {"id": "t", "name": "T", "strategy": "ring_all",
                           "members": ["a1", "a2"], "wrap_up_s": 0})
    store.create("lines", {"id": "l1", "name": "SIM", "entry": {"team": "t"}})
    appliance.start()
    snap = appliance.engine.snapshot
    wait_for(lambda: snap().lines and snap().line("l1").state == "idle", what="line up")
    yield appliance, modem, snap
    appliance.close()
    modem.close()


def test_unplug_while_desks_ring_stops_every_bell(office):
    appliance, modem, snap = office
    modem.ring("+34600123456")
    wait_for(lambda: all(s.ringing for s in snap().stations), what="desks ringing")
    modem.unplug()
    wait_for(lambda: snap().line("l1").state == "error", what="line down")
    assert not any(h.ringing for h in appliance.hardware.handsets.values())
    assert [a.state for a in snap().agents] == ["idle", "idle"]
    assert appliance.history.recent(1)[0]["outcome"] == "failed"
    modem.replug()
    wait_for(lambda: snap().line("l1").state == "idle", what="line back")


def test_reboot_mid_call_frees_the_agent_and_the_line_returns(office):
    appliance, modem, snap = office
    modem.ring("+34600123456")
    wait_for(lambda: snap().stations[0].ringing, what="desk ringing")
    appliance.hardware.offhook("s1")
    wait_for(lambda: snap().calls and snap().calls[0].state == "connected", what="connected")
    modem.reboot(silent_s=0.2)
    record = wait_for(lambda: appliance.history.recent(1), what="call record")
    assert (record[0]["outcome"], record[0]["agent"]) == ("failed", "a1")
    assert snap().agent("a1").state == "idle"
    assert snap().calls == ()
    wait_for(lambda: snap().line("l1").state == "idle", what="line back")
    appliance.hardware.onhook("s1")
    modem.ring("+34600999000")
    wait_for(lambda: snap().calls and snap().calls[0].caller == "+34600999000", what="new call")
