"""The core with real modem drivers on pty fake modems: failures end calls cleanly."""

from __future__ import annotations

import pytest

from appliance.core.clock import SystemClock
from appliance.ops.assembly import build_simulated
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


def test_a_refused_second_caller_is_one_busy_record_even_if_the_first_hangs_up_first(office):
    """Issue 10: the core refuses the waiting caller, but the first caller hangs up before the
    refusal reaches the modem, which then rings the second caller as a new call. They were
    answered as well, with two records; now they stay refused: one record, busy."""
    appliance, modem, snap = office
    modem.ring("+34600123456")
    wait_for(lambda: snap().stations[0].ringing, what="desks ringing")
    appliance.hardware.offhook("s1")
    wait_for(lambda: snap().calls and snap().calls[0].state == "connected", what="connected")
    modem.hold("AT+CHLD")                       # the refusal is late...
    modem.second_call("+34600999888")
    modem.wait_for(lambda m: m.holding)
    modem.caller_hangs_up()                     # ...the first caller leaves before it arrives
    modem.release()
    wait_for(lambda: len(appliance.history.recent(5)) == 2, what="two records")
    modem.wait_for(lambda m: m.call_state == "idle")
    appliance.engine.settle()
    records = sorted((r["caller"], r["outcome"]) for r in appliance.history.recent(5))
    assert records == [("+34600123456", "answered"), ("+34600999888", "busy")]
    assert snap().calls == ()
    appliance.hardware.onhook("s1")
