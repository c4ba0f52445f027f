"""Against SIPp (Debian's sip-tester), a SIP stack we did not write: an ATA that sends its keys
as SIP INFO (application/dtmf-relay), the method an HT813 falls back to after RFC 2833."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hardware import events as ev
from hardware.sip.baresip import free_port
from hardware.sip.hub import SipHub

from .conftest import Inbox, sip_config

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(scope="session")
def sipp() -> str:
    found = shutil.which("sipp")
    if found is None:
        pytest.fail("SIPp is not installed; ./dev test installs sip-tester (as root).")
    return found


def run_sipp(sipp: str, scenario: str, service: str, target: str, tmp_path: Path,
             ) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [sipp, "-sf", str(SCENARIOS / scenario), "-s", service, "-m", "1", "-i", "127.0.0.1",
         "-p", str(free_port()), "-mp", str(free_port()), "-timeout", "10", "-nostdin",
         "-trace_err", "-error_file", str(tmp_path / "sipp-errors.log"), target],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)


def test_keys_sent_as_sip_info_reach_the_core(tmp_path, baresip_installed, sipp):
    hub = SipHub(sip_config("line-a", rtp=11500), tmp_path / "box", name="box-sip")
    posted = Inbox()
    line = hub.line("line-a", ata_host="127.0.0.1")
    hub.start()
    line.start(posted.put)
    ata = run_sipp(sipp, "ata_info_dtmf.xml", "line-a",
                   f"127.0.0.1:{hub.config.sip_port}", tmp_path)
    try:
        posted.next_matching(lambda e: isinstance(e, ev.LineStatus))
        assert posted.next_matching(lambda e: True) == ev.IncomingCall("line-a", "600111222")
        line.answer()
        assert posted.next_matching(lambda e: True) == ev.LineAnswered("line-a")
        assert posted.next_matching(lambda e: True) == ev.DtmfReceived("line-a", "5")
        assert posted.next_matching(lambda e: True) == ev.DtmfReceived("line-a", "#")
        assert posted.next_matching(lambda e: True) == ev.CallerHungUp("line-a")
        out, _ = ata.communicate(timeout=10)
        assert ata.returncode == 0, out
    finally:
        if ata.poll() is None:
            ata.kill()
            ata.communicate()
        hub.close()
