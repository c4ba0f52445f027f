"""The settings file's analog lines and SIP phones become drivers on one started baresip, bound
to the interface the owner named; when it cannot start, they say why instead of the box."""

from __future__ import annotations

from types import SimpleNamespace

from appliance.ops.assembly import build_sip
from appliance.ops.settings import LineWiring, PhoneWiring, SipWiring
from hardware import events as ev
from hardware.real import RealHardware
from hardware.sip.baresip import free_port
from hardware.sip.lines import SipLine
from hardware.sip.stations import SipStation

from .conftest import Inbox


def settings(listen: str) -> SimpleNamespace:
    return SimpleNamespace(
        lines=(LineWiring("line-1", "/dev/ttyUSB2"),
               LineWiring("line-3", "", kind="analog", ata="127.0.0.1")),
        handsets=(), phones=(PhoneWiring("desk-4", "sip:desk4@127.0.0.1:5999"),),
        sip=SipWiring(listen, port=free_port(), rtp_first=14000), audio_rate=8000, country="ES",
        panel=None)


def test_the_interface_named_is_where_the_lines_and_phones_listen(tmp_path, baresip_installed):
    wiring = settings("lo")
    hub = build_sip(wiring, tmp_path)
    hardware = RealHardware(wiring, audio=SimpleNamespace(close=lambda: None),
                            data_dir=tmp_path, sip=hub)
    try:
        assert hub.failure is None
        assert hub.config.aor("line-3") == f"sip:line-3@127.0.0.1:{wiring.sip.port}"
        line, desk = hardware.line_driver("line-3"), hardware.station_driver("desk-4")
        assert isinstance(line, SipLine)
        assert isinstance(desk, SipStation)
        assert hardware.wired() == (("line-1", "line-3"), ("desk-4",))
        posted = Inbox()
        line.start(posted.put)
        assert posted.next_matching(lambda e: isinstance(e, ev.LineStatus)) == \
            ev.LineStatus("line-3", online=True)
    finally:
        hardware.close()


def test_an_interface_without_an_address_shows_on_the_line_and_the_phone(tmp_path):
    wiring = settings("nope0")
    hub = build_sip(wiring, tmp_path)
    try:
        posted = Inbox()
        hub.line("line-3", "127.0.0.1").start(posted.put)
        hub.station("desk-4", "sip:desk4@127.0.0.1:5999").start(posted.put)
        line = posted.next_matching(lambda e: isinstance(e, ev.LineStatus))
        desk = posted.next_matching(lambda e: True)
        assert not line.online
        assert line.error
        assert "'nope0' has no address" in line.reason
        assert not desk.online
        assert "'nope0' has no address" in desk.reason
    finally:
        hub.close()
