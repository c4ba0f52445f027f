"""The front panel on gpiozero mock pins: each line's lamp follows the line, and the "closed
now" switch closes the office whatever the hours say."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from appliance.ops.assembly import build
from hardware.fakes.office import SimulatedHardware
from hardware.panel import Panel
from tests.office import Office
from tests.waiting import wait_for

LAMP, SWITCH = 13, 18


@pytest.fixture
def panel_office(tmp_path, clock):
    factory = MockFactory()
    panel = Panel({"l1": LAMP}, SWITCH, pin_factory=factory, blink_s=0.02)
    hardware = SimulatedHardware(clock, panel=panel)
    appliance = build(tmp_path / "data", hardware, clock, simulation=hardware)
    appliance.start()
    office = Office(appliance)
    office.add("stations", id="s1", name="Desk 1")
    office.add("agents", id="a1", name="Agent 1", station="s1")
    office.add("teams", id="sales", name="Sales", members=["a1"], max_wait_s=0, wrap_up_s=0)
    office.add("lines", id="l1", name="Line 1", entry={"team": "sales"})
    yield office, factory
    appliance.close()


def test_a_lines_lamp_is_on_when_idle_and_blinks_during_a_call(panel_office):
    office, factory = panel_office
    lamp = factory.pin(LAMP)
    wait_for(lambda: lamp.state is True, what="the lamp on: the line is idle")
    office.call("l1")
    seen = set()
    wait_for(lambda: seen.add(lamp.state) or seen == {True, False}, what="the lamp blinking")
    office.caller_hangs_up("l1")
    wait_for(lambda: lamp.state is True and office.status.line("l1").state == "idle",
             what="the lamp steady again")


def test_the_closed_switch_closes_the_office_until_it_is_turned_off(panel_office):
    office, factory = panel_office
    factory.pin(SWITCH).drive_low()                  # a switch to ground: on
    office.settle()
    assert office.app.api.status()["closed_switch"] is True
    office.call("l1")
    assert office.last_call()["outcome"] == "closed"
    assert office.last_call()["reason"] == "closed:switch"
    factory.pin(SWITCH).drive_high()
    office.settle()
    office.call("l1", "600222333")
    assert office.call_on("l1").state == "offered"
