"""An analog line behind an ATA, through the box's real baresip: a second real baresip plays
the ATA's FXO port on loopback."""

from __future__ import annotations

import os
import signal

import pytest

from hardware import events as ev
from hardware.sip.hub import SipHub
from hardware.sip.lines import caller_of, host_of

from .conftest import Inbox, established, far_end, sip_config


@pytest.fixture
def box(tmp_path, baresip_installed):
    hub = SipHub(sip_config("line-a", rtp=11000), tmp_path / "box", name="box-sip")
    posted = Inbox()
    line = hub.line("line-a", ata_host="127.0.0.1")
    hub.start()
    line.start(posted.put)
    info = posted.next_matching(lambda e: True)
    assert info == ev.LineInfo("line-a", {"sip_server": "127.0.0.1", "ata": "127.0.0.1",
                                          "sip_port": hub.config.sip_port, "sip_user": "line-a"})
    assert posted.next_matching(lambda e: True) == ev.LineStatus("line-a", online=True)
    yield hub, line, posted
    hub.close()


def ring(ata, hub) -> None:
    phone, _ = ata
    assert phone.command("dial", hub.config.aor("line-a")).result(5).ok


def test_a_call_from_the_ata_is_answered_takes_keys_and_ends_when_the_caller_hangs_up(box, ata):
    hub, line, posted = box
    phone, heard = ata
    ring(ata, hub)
    assert posted.next_matching(lambda e: True) == ev.IncomingCall("line-a", "600111222")
    line.answer()
    assert posted.next_matching(lambda e: True) == ev.LineAnswered("line-a")
    heard.next_matching(established)
    phone.command("sndcode", "1")
    assert posted.next_matching(lambda e: True) == ev.DtmfReceived("line-a", "1")
    phone.command("hangup")
    assert posted.next_matching(lambda e: not isinstance(e, ev.DtmfReceived)) == \
        ev.CallerHungUp("line-a")


def test_the_box_hanging_up_releases_the_line(box, ata):
    hub, line, posted = box
    _, heard = ata
    ring(ata, hub)
    posted.next_matching(lambda e: isinstance(e, ev.IncomingCall))
    line.answer()
    posted.next_matching(lambda e: isinstance(e, ev.LineAnswered))
    line.hangup()
    assert posted.next_matching(lambda e: True) == ev.LineReleased("line-a")
    assert heard.next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"


def test_a_call_from_another_address_is_refused(tmp_path, baresip_installed, ata):
    hub = SipHub(sip_config("line-a", rtp=11100), tmp_path / "box", name="box-sip")
    posted = Inbox()
    hub.line("line-a", ata_host="192.0.2.10").start(posted.put)
    hub.start()
    try:
        posted.next_matching(lambda e: isinstance(e, ev.LineStatus))
        ring(ata, hub)
        assert ata[1].next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"
        assert posted.items.empty()
    finally:
        hub.close()


def test_baresip_killed_mid_call_ends_the_call_and_comes_back(box, ata):
    hub, line, posted = box
    ring(ata, hub)
    posted.next_matching(lambda e: isinstance(e, ev.IncomingCall))
    line.answer()
    posted.next_matching(lambda e: isinstance(e, ev.LineAnswered))
    first = hub.baresip.pid
    os.kill(first, signal.SIGKILL)
    assert posted.next_matching(lambda e: True) == ev.CallerHungUp("line-a")
    assert posted.next_matching(lambda e: True) == ev.LineStatus("line-a", online=True)
    assert hub.baresip.pid != first
    assert hub.baresip.restarts == 1
    ata[0].command("hangup")                       # the ATA's side of the dead call
    ring(ata, hub)                                  # and the line takes the next caller
    assert posted.next_matching(lambda e: True) == ev.IncomingCall("line-a", "600111222")


@pytest.mark.parametrize(("peer", "caller"), [
    ("sip:600111222@192.168.1.20:5060", "600111222"),
    ("sip:%2B34600111222@192.168.1.20", "+34600111222"),
    ("sip:anonymous@192.168.1.20;transport=udp", None),
    ("sips:Anonymous@ata.lan", None),
])
def test_the_callers_number_comes_from_the_from_uri(peer, caller):
    assert caller_of(peer) == caller


def test_the_peers_host_is_its_address_without_the_port():
    assert host_of("sip:600@192.168.1.20:5060") == "192.168.1.20"
    assert host_of("sip:600@192.168.1.20;transport=udp") == "192.168.1.20"


@pytest.fixture
def second_ata(tmp_path, baresip_installed):
    with far_end(tmp_path / "ata2", "600333444", 12600) as found:
        yield found


def test_a_second_caller_while_busy_is_presented_then_refused_busy(box, ata, second_ata):
    hub, line, posted = box
    ring(ata, hub)
    posted.next_matching(lambda e: isinstance(e, ev.IncomingCall))
    line.answer()
    posted.next_matching(lambda e: isinstance(e, ev.LineAnswered))
    second, second_heard = second_ata
    assert second.command("dial", hub.config.aor("line-a")).result(5).ok
    assert posted.next_matching(lambda e: True) == ev.IncomingCall("line-a", "600333444")
    line.reject_waiting()                    # what the core does when the line is busy
    closed = second_heard.next_matching(lambda e: e.type == "CALL_CLOSED")
    assert "486" in closed.param
    line.hangup()                            # the first call is still up and ours to end
    assert posted.next_matching(lambda e: True) == ev.LineReleased("line-a")
    assert ata[1].next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"
