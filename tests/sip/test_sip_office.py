"""The whole appliance with an analog line and a SIP desk on real baresip (the demo's
``SimulatedSip``): the same rules and history as a GSM line, and audio both ways through the
real audio engine. Tones stand in for voices: the caller says 1 kHz and the desk 440 Hz, and a
Goertzel detector checks what each far end heard."""

from __future__ import annotations

import os
import signal

import pytest

from appliance.ops.assembly import build_simulated
from hardware.audio.mixer import AudioEngine
from hardware.audio.pacing import MonotonicPacer
from hardware.fakes.sip import ATA, SimulatedSip
from tests.goertzel import power_at
from tests.office import Office
from tests.waiting import wait_for

from .test_sip_audio import tone

pytestmark = pytest.mark.usefixtures("baresip_installed")


def status(office: Office) -> dict:
    return office.app.api.status()


def line_state(office: Office, line: str) -> str:
    return next(x["state"] for x in status(office)["lines"] if x["id"] == line)


def ringing(office: Office, station: str) -> bool:
    return next(s["ringing"] for s in status(office)["stations"] if s["id"] == station)


@pytest.fixture
def sip_office(tmp_path, clock):
    sip = SimulatedSip(tmp_path / "sip", ["ata-line"], ["sip-desk"])
    assert sip.start(caller_says=b"".join(tone(1000, 500)),
                     desk_says=b"".join(tone(440, 500))) is None
    audio = AudioEngine(sip.ports(), lambda source: bytes(3200), recordings=tmp_path / "rec")
    appliance = build_simulated(tmp_path / "data", clock, audio=audio, sip=sip)
    appliance.start()
    office = Office(appliance)
    try:
        yield from _furnished(office, sip)
    finally:
        appliance.close()


def _furnished(office: Office, sip: SimulatedSip):
    office.add("stations", id="sip-desk", name="SIP desk")
    office.add("stations", id="gpio-desk", name="Handset")
    office.add("agents", id="ana", name="Ana", station="sip-desk")
    office.add("agents", id="bea", name="Bea", station="gpio-desk")
    office.add("teams", id="sales", name="Sales", strategy="linear", members=["ana", "bea"],
               ring_timeout_s=10, max_wait_s=0, wrap_up_s=0, max_queue=0, autopause_after=0)
    office.add("menus", id="main", name="Main", prompt={"text": "Press 1 for sales."},
               options={"1": {"team": "sales"}}, timeout_s=30)
    office.store.create("lines", {"id": "ata-line", "name": "Analog", "kind": "analog",
                                  "entry": {"menu": "main"}})
    office.add("lines", id="gsm-line", name="GSM", entry={"team": "sales"})
    wait_for(lambda: line_state(office, "ata-line") == "idle", what="the analog line idle")
    yield office, sip


def hear_both_ways(ports: list, freqs: list[float], within: int = 500) -> list[bool]:
    """Read each far end's audio in real time until, over its last second (50 periods), at
    least 90 % of the periods carry its tone, or ``within`` periods (10 s) have passed. The
    first second or so is the receive buffers filling, and a loaded machine may drop a few
    packets later: what counts is that a second of clean audio arrives."""
    pacer, got = MonotonicPacer(), [[] for _ in ports]
    pacer.start()
    try:
        for _ in range(within):
            pacer.wait_next()
            for port, side, freq in zip(ports, got, freqs, strict=True):
                side.append(power_at(port.read_period(), freq) > 0.5)
            if all(sum(side[-50:]) > 45 for side in got):
                break
    finally:
        pacer.close()
    return [sum(side[-50:]) > 45 for side in got]


def test_an_analog_call_goes_through_the_menu_to_a_sip_desk_with_audio_both_ways(sip_office):
    office, sip = sip_office
    assert {s["id"]: s["kind"] for s in status(office)["stations"]} == \
        {"sip-desk": "sip", "gpio-desk": "gpio"}
    assert {x["id"]: x["kind"] for x in status(office)["lines"]} == \
        {"ata-line": "analog", "gsm-line": "gsm"}
    office.hw.incoming("ata-line", "+34600111222")
    wait_for(lambda: status(office)["calls"] and status(office)["calls"][0]["state"] == "menu",
             what="the caller in the menu")
    assert status(office)["calls"][0]["caller"] == "+34600111222"
    office.hw.dtmf("ata-line", "1")                   # RFC 2833 through both baresips
    wait_for(lambda: ringing(office, "sip-desk"), what="the SIP desk ringing")
    wait_for(lambda: "sip-desk" in sip.far.ringing, what="the phone's INVITE")
    office.hw.offhook("sip-desk")
    wait_for(lambda: status(office)["calls"][0]["state"] == "connected", what="connected")
    desk_heard, caller_heard = hear_both_ways([sip.far.port("sip-desk"), sip.far.port(ATA)],
                                              [1000, 440])
    assert desk_heard, "the desk did not hear the caller"
    assert caller_heard, "the caller did not hear the desk"
    office.hw.hangup("ata-line")                      # BYE from the ATA
    wait_for(lambda: not status(office)["calls"], what="the call over")
    wait_for(lambda: "sip-desk" not in sip.far.ringing, what="the phone released")
    record = office.app.api.calls(limit=1)[0]
    assert (record["outcome"], record["agent"], record["line"]) == ("answered", "ana", "ata-line")


def test_a_gsm_call_rings_the_sip_desk_and_a_second_analog_caller_is_busy(sip_office):
    office, sip = sip_office
    office.call("gsm-line")
    wait_for(lambda: "sip-desk" in sip.far.ringing, what="the phone's INVITE")
    office.hw.offhook("sip-desk")
    wait_for(lambda: status(office)["calls"][0]["state"] == "connected", what="connected")
    office.hw.incoming("ata-line", "600999888")
    wait_for(lambda: status(office)["calls"] and line_state(office, "ata-line") == "in_call",
             what="the analog call")
    office.hw.incoming("ata-line", "600777666")        # while the line is busy
    wait_for(lambda: any(r["outcome"] == "busy" for r in office.app.api.calls(limit=5)),
             what="the second caller recorded busy")
    office.hw.onhook("sip-desk")                       # the desk hangs up on the GSM caller
    wait_for(lambda: any(r["line"] == "gsm-line" for r in office.app.api.calls(limit=5)),
             what="the GSM call recorded")
    busy = next(r for r in office.app.api.calls(limit=5) if r["outcome"] == "busy")
    assert (busy["line"], busy["caller"]) == ("ata-line", "600777666")


def test_ring_no_answer_on_the_sip_desk_moves_on_to_the_next_agent(sip_office):
    office, sip = sip_office
    office.call("gsm-line")
    wait_for(lambda: "sip-desk" in sip.far.ringing, what="the phone's INVITE")
    office.advance(10)                                  # the team's ring_timeout_s
    wait_for(lambda: ringing(office, "gpio-desk"), what="the next agent's handset")
    wait_for(lambda: "sip-desk" not in sip.far.ringing, what="the phone's INVITE cancelled")
    assert not ringing(office, "sip-desk")


def test_out_of_hours_on_the_analog_line_says_so_and_the_box_hangs_up(sip_office):
    office, _ = sip_office
    office.add("schedules", id="never", name="Never", timezone="Europe/Madrid", weekly={},
               closed_action={"action": "message", "text": "We are closed."})
    office.change("lines", "ata-line", schedule="never")
    office.hw.incoming("ata-line", "600999888")
    record = wait_for(lambda: next(iter(office.app.api.calls(limit=1)), None),
                      what="the call recorded")
    assert (record["outcome"], record["line"]) == ("closed", "ata-line")
    wait_for(lambda: line_state(office, "ata-line") == "idle", what="the line idle again")


def test_baresip_killed_mid_call_ends_it_recorded_and_the_line_comes_back(sip_office):
    office, sip = sip_office
    office.hw.incoming("ata-line", "600111222")
    wait_for(lambda: status(office)["calls"], what="the call")
    first = sip.hub.baresip.pid
    os.kill(first, signal.SIGKILL)
    record = wait_for(lambda: next(iter(office.app.api.calls(limit=1)), None),
                      what="the call recorded")
    assert record["line"] == "ata-line"
    wait_for(lambda: sip.hub.baresip.pid not in (None, first), what="baresip started again")
    wait_for(lambda: line_state(office, "ata-line") == "idle", what="the line idle again")
    office.hw.hangup("ata-line")                         # the ATA's side of the dead call
    office.hw.incoming("ata-line", "600222333")          # and the line takes the next caller
    wait_for(lambda: status(office)["calls"] and status(office)["calls"][0]["caller"]
             == "600222333", what="the next call")
