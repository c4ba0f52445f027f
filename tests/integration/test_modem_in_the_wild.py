"""What other projects' real-modem transcripts showed, played by the fake modem to the real
driver over a pty: one test per class of issue 9, each failing before its fix."""

from __future__ import annotations

from datetime import datetime

import pytest

from appliance import events as ev
from hardware.fakes.modem import Dialect, Quirks

from .modem_rig import ALL

CALLER, SECOND = "+34600123456", "+34600999888"


def test_status_lines_inside_answers_lose_no_stored_sms_and_no_imei(rig):
    """Class 1: a vendor line between +CMGL's header and PDU was paired with the header, the
    message dropped as unreadable and then deleted from the SIM."""
    r = rig(Dialect.HUAWEI, quirks=Quirks(status_in_answers=1.0))
    r.fake.preload_sms("+34600111222", "llamadme mañana")
    assert r.expect(ev.SmsReceived).text == "llamadme mañana"
    r.fake.wait_for(lambda f: f.stored_sms == {})          # deleted only once delivered
    info = next(e.info for e in r.seen if isinstance(e, ev.LineInfo))
    assert (info["imei"], info["manufacturer"], info["model"]) == \
        ("862000000000001", "huawei", "E1550")


def test_a_sim_answer_without_ok_still_brings_the_line_up(rig):
    """Class 2: Wavecom answers AT+CPIN? with +CPIN: READY and no OK."""
    r = rig(Dialect.GENERIC, quirks=Quirks(cpin_without_ok=True))
    r.online()
    assert r.incoming(CALLER).caller == CALLER


def test_a_phantom_data_call_is_neither_hung_up_nor_kept_as_a_call(rig):
    """Class 3: +CLCC lists a data call (mode 1); the call-end indication is lost, so only
    the call list can tell the caller left."""
    r = rig(Dialect.EC25, quirks=Quirks(phantom_data_call=True, hangup_urc=""))
    r.online()
    assert not r.fake.sent("AT+CHUP")                      # no "leftover" call to end
    r.connected()
    r.fake.remote_hangs_up()
    r.expect(ev.CallerHungUp)                               # by the +CLCC backstop


def test_zte_style_hangup_is_heard_at_once(rig):
    """Class 4: ``HANGUP: 1`` is the only sign on ZTE/Qualcomm; no polling needed."""
    r = rig(Dialect.GENERIC, quirks=Quirks(hangup_urc="HANGUP: {idx}"), clcc_poll_s=60)
    r.online()
    r.connected()
    r.fake.remote_hangs_up()
    r.expect(ev.CallerHungUp, timeout=2)


@pytest.mark.parametrize(("stat", "shown"), [(9, "registered (home)"),
                                             (10, "registered (roaming)")])
def test_lte_registered_with_csfb_not_preferred_takes_calls(rig, stat, shown):
    """Class 5: +CEREG 9/10 were read as not registered."""
    r = rig(Dialect.EC25, registered=stat)
    assert r.expect(ev.LineInfo).info["registration"] == shown
    r.online()
    assert not any(isinstance(e, ev.LineStatus) and not e.online for e in r.seen)


def test_registered_for_texts_only_says_calls_cannot_arrive(rig):
    r = rig(Dialect.EC25, registered=6)
    status = r.expect(ev.LineStatus, online=False)
    assert "texts but not take calls" in status.reason


def test_a_quoted_sim_pin_state_gets_the_pin(rig):
    """Class 6: +CPIN: "SIM PIN" (quoted) never got the PIN entered."""
    r = rig(Dialect.SIM800, pin="1234", sim_pin="1234", quirks=Quirks(cpin_quoted=True))
    r.online()
    assert r.fake.sent('AT+CPIN="1234"')


def test_a_network_locked_modem_says_what_to_do(rig):
    r = rig(Dialect.SIM7600, quirks=Quirks(sim_lock="PH-NET PIN"))
    status = r.expect(ev.LineStatus, online=False)
    assert status.error
    assert "locked to another mobile network" in status.reason


def test_network_time_without_a_zone_is_the_local_wall_time(rig):
    r = rig(Dialect.SIM800, quirks=Quirks(cclk_zone=False))
    when = r.expect(ev.NetworkTime).when
    assert when.tzinfo is None
    assert abs((when - datetime.now()).total_seconds()) < 5


def test_the_start_up_sweep_leaves_outgoing_drafts_alone(rig):
    """Class 7: AT+CMGL=4 lists drafts (stat 2) too; they are not ours to delete."""
    r = rig(Dialect.SIM7600)
    r.fake.preload_draft("+34600111222", "borrador")
    r.fake.preload_sms("+34600111333", "recibido")
    assert r.expect(ev.SmsReceived).text == "recibido"
    r.fake.wait_for(lambda f: len(f.stored_sms) == 1)
    assert list(r.fake.stored_sms.values()) == ["borrador"]


@pytest.mark.parametrize("dialect", ALL)
def test_a_caller_during_our_hang_up_is_a_second_caller_not_lost(rig, dialect):
    """Class 8: the line was idle for the core while AT+CHUP was still to come; a caller in
    that window was cut by the old call's CHUP. Now the driver reports them before it says
    the line is released, so the core refuses and logs them (busy) instead."""
    r = rig(dialect)
    r.online()
    r.connected()
    r.fake.hold("AT+CHUP")
    r.driver.hangup()
    r.fake.wait_for(lambda f: f.holding)
    r.fake.second_call(SECOND)
    r.fake.release()
    second = r.expect(ev.IncomingCall, caller=SECOND)
    released = r.expect(ev.LineReleased)
    assert r.seen.index(second) < r.seen.index(released)


def test_huawei_keys_arrive_as_ddtmf(rig):
    """Class 9: Huawei voice dongles report keys as ^DDTMF."""
    r = rig(Dialect.HUAWEI)
    r.online()
    r.connected()
    r.fake.press("7")
    assert r.expect(ev.DtmfReceived).digit == "7"
