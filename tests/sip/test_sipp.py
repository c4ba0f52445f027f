"""Against SIPp (Debian's sip-tester), a SIP stack we did not write: an ATA that sends its keys
as SIP INFO (application/dtmf-relay), the method an HT813 falls back to after RFC 2833; and
the office's PBX taking (or refusing) the callers a line hands over in gateway mode."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from appliance.ops.assembly import build_simulated
from hardware import events as ev
from hardware.fakes.sip import SimulatedSip
from hardware.sip.baresip import free_port
from hardware.sip.hub import SipHub
from tests.conftest import installed
from tests.office import Office
from tests.waiting import wait_for

from .conftest import Inbox, sip_config

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="session")
def sipp() -> str:
    return installed("sipp", "sip-tester")


def run_sipp(sipp: str, scenario: str, tmp_path: Path, *more: str,
             port: int | None = None) -> subprocess.Popen[str]:
    """SIPp running ``scenario`` once on 127.0.0.1 (``port``: where it listens)."""
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [sipp, "-sf", str(SCENARIOS / scenario), "-m", "1", "-i", "127.0.0.1",
         "-p", str(port or free_port()), "-mp", str(free_port()), "-timeout", "15",
         "-nostdin", "-trace_err", "-error_file", str(tmp_path / "sipp-errors.log"), *more],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)


def listening(port: int) -> bool:
    """SIPp holds its UDP port once it is ready for an INVITE."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def finished(process: subprocess.Popen[str]) -> str:
    """SIPp's output once it ended successfully (fails the test otherwise)."""
    try:
        out, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, out
    return out


def test_keys_sent_as_sip_info_reach_the_core(tmp_path, baresip_installed, sipp):
    hub = SipHub(sip_config("line-a", rtp=11500), tmp_path / "box", name="box-sip")
    posted = Inbox()
    line = hub.line("line-a", ata_host="127.0.0.1")
    hub.start()
    line.start(posted.put)
    ata = run_sipp(sipp, "ata_info_dtmf.xml", tmp_path, "-s", "line-a",
                   f"127.0.0.1:{hub.config.sip_port}")
    try:
        posted.next_matching(lambda e: isinstance(e, ev.LineStatus))
        assert posted.next_matching(lambda e: True) == ev.IncomingCall("line-a", "600111222")
        line.answer()
        assert posted.next_matching(lambda e: True) == ev.LineAnswered("line-a")
        assert posted.next_matching(lambda e: True) == ev.DtmfReceived("line-a", "5")
        assert posted.next_matching(lambda e: True) == ev.DtmfReceived("line-a", "#")
        assert posted.next_matching(lambda e: True) == ev.CallerHungUp("line-a")
        finished(ata)
    finally:
        if ata.poll() is None:
            ata.kill()
            ata.communicate()
        hub.close()


@pytest.fixture
def gateway_office(tmp_path, clock, baresip_installed):
    """A GSM line (a fake modem line) whose leg to the PBX is on the box's real baresip."""
    sip = SimulatedSip(tmp_path / "sip", [], [], trunks=["gsm"])
    assert sip.start() is None
    appliance = build_simulated(tmp_path / "data", clock, sip=sip)
    appliance.start()
    office = Office(appliance)
    try:
        yield office
    finally:
        appliance.close()


def hand_over(office: Office, tmp_path: Path, sipp: str, scenario: str) -> subprocess.Popen:
    port = free_port()
    pbx = run_sipp(sipp, scenario, tmp_path, port=port)
    wait_for(lambda: listening(port), what="SIPp to listen")
    office.add("lines", id="gsm", name="GSM", entry={"sip": f"sip:100@127.0.0.1:{port}"})
    office.call("gsm", "600111222")
    return pbx


def test_gateway_mode_hands_the_caller_to_the_pbx_and_records_it(gateway_office, tmp_path,
                                                                  sipp):
    office = gateway_office
    pbx = hand_over(office, tmp_path, sipp, "pbx_answers.xml")
    try:
        call = wait_for(lambda: office.app.api.status()["calls"][0]
                        if office.app.api.status()["calls"][0]["state"] == "connected" else None,
                        what="the PBX to answer")
        assert call["hearing"] == "pbx"
        office.advance(42)
        office.caller_hangs_up("gsm")
        finished(pbx)                                   # it got our BYE
    finally:
        if pbx.poll() is None:
            pbx.kill()
            pbx.communicate()
    record = office.app.api.calls(limit=1)[0]
    assert (record["outcome"], record["reason"], record["talk_s"]) == (
        "answered", "forwarded", 42.0)


def test_a_pbx_that_refuses_is_told_to_the_caller_and_recorded_failed(gateway_office, tmp_path,
                                                                       sipp):
    office = gateway_office
    pbx = hand_over(office, tmp_path, sipp, "pbx_busy.xml")
    finished(pbx)
    record = wait_for(lambda: next(iter(office.app.api.calls(limit=1)), None),
                      what="the call recorded")
    assert (record["outcome"], record["reason"]) == ("failed", "pbx_refused")
    said = [op.detail for op in office.hw.audio.log if op.op == "play"]
    assert any("cannot take" in text.lower() for text in said), said
