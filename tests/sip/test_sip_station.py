"""A SIP desk phone as a station, through the box's real baresip: a second real baresip
plays the phone (an HT802 port or any SIP phone) on loopback."""

from __future__ import annotations

import pytest

from hardware import events as ev
from hardware.sip.hub import SipHub

from .conftest import Inbox, far_end, sip_config


@pytest.fixture
def phone(tmp_path, baresip_installed):
    with far_end(tmp_path / "phone", "desk", 13000) as found:
        yield found


@pytest.fixture
def box(tmp_path, baresip_installed, phone):
    hub = SipHub(sip_config("desk-4", rtp=11200), tmp_path / "box", name="box-sip")
    posted = Inbox()
    station = hub.station("desk-4", phone[0].config.aor("desk"))
    hub.start()
    station.start(posted.put)
    assert posted.next_matching(lambda e: True) == ev.StationStatus("desk-4", online=True)
    yield hub, station, posted
    hub.close()


def incoming(event) -> bool:
    return event.type == "CALL_INCOMING"


def test_ringing_calls_the_phone_and_its_answer_lifts_the_handset(box, phone):
    _, station, posted = box
    desk, rings = phone
    station.ring()
    assert rings.next_matching(incoming).peer.startswith("sip:desk-4@")
    desk.command("accept")
    assert posted.next_matching(lambda e: True) == ev.HookChanged("desk-4", off_hook=True)
    desk.command("hangup")
    assert posted.next_matching(lambda e: True) == ev.HookChanged("desk-4", off_hook=False)


def test_stop_ring_before_an_answer_stops_calling_the_phone(box, phone):
    _, station, posted = box
    _, rings = phone
    station.ring()
    rings.next_matching(incoming)
    station.stop_ring()
    assert rings.next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"
    assert posted.items.empty()                       # never off hook


def test_a_phone_that_refuses_never_goes_off_hook_and_can_ring_again(box, phone):
    _, station, posted = box
    desk, rings = phone
    station.ring()
    rings.next_matching(incoming)
    desk.command("hangup")                            # busy: the phone declines
    rings.next_matching(lambda e: e.type == "CALL_CLOSED")
    station.ring()
    rings.next_matching(incoming)
    desk.command("accept")
    assert posted.next_matching(lambda e: True) == ev.HookChanged("desk-4", off_hook=True)


def test_the_box_hanging_up_puts_the_phone_down(box, phone):
    _, station, posted = box
    desk, rings = phone
    station.ring()
    rings.next_matching(incoming)
    desk.command("accept")
    posted.next_matching(lambda e: isinstance(e, ev.HookChanged))
    station.hang_up()
    assert posted.next_matching(lambda e: True) == ev.HookChanged("desk-4", off_hook=False)
    assert rings.next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"


def test_the_phone_dialling_out_is_refused(box, phone):
    hub, _, posted = box
    desk, rings = phone
    desk.command("dial", hub.config.aor("desk-4"))
    assert rings.next_matching(lambda e: e.type == "CALL_CLOSED").type == "CALL_CLOSED"
    assert posted.items.empty()
