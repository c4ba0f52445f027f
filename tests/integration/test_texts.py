"""Texts through the whole core: the missed-call text (once per number per day) and its "sí"
becoming a callback at opening time, texts queued so they never hold up a call, SMS
conversations assigned, replied and closed, and the owner's voicemail notice and summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.config.messaging import Messaging
from hardware.events import SmsReceived
from tests.office import Office, running

X = "+34600111222"
OWNER = "+34699000000"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def office(tmp_path, clock):
    """Two agents in team front (calls and texts); l1 follows 11:00-18:00 Madrid hours (it is
    10:00 there); l2 has no hours."""
    with running(tmp_path / "data", clock, diallers=True) as o:
        for n in (1, 2):
            o.add("stations", id=f"s{n}", name=f"Desk {n}")
            o.add("agents", id=f"a{n}", name=f"Agent {n}", station=f"s{n}")
        o.add("teams", id="front", name="Front desk", members=["a1", "a2"], wrap_up_s=0,
              channels=["voice", "sms"])
        o.add("schedules", id="week", name="Week", timezone="Europe/Madrid",
              weekly={d: [["11:00", "18:00"]] for d in WEEKDAYS})
        o.add("lines", id="l1", name="Main", entry={"team": "front"}, schedule="week")
        o.add("lines", id="l2", name="Second", entry={"team": "front"})
        o.engine.set_messaging(Messaging(owner_mobile=OWNER))
        o.settle()
        yield o


def deliver(o: Office, line_id: str) -> list[tuple[str, str]]:
    """Let the network take every text the line was handed; returns them."""
    sent = []
    while o.hw.lines[line_id].outbox:
        sent.append(o.hw.lines[line_id].sms_sent())
        o.settle()
    return sent


def receive(o: Office, line_id: str, text: str, sender: str = X) -> None:
    o.engine.post(SmsReceived(line_id, sender, text, o.clock.now().isoformat()))
    o.settle()


def missed_out_of_hours(o: Office, caller: str = X) -> None:
    o.call("l1", caller)
    o.caller_hangs_up("l1")                  # during the closed message: recorded closed
    assert o.last_call()["outcome"] == "closed"


def test_a_missed_call_gets_one_text_a_day_and_a_si_becomes_a_callback_at_opening(office):
    o = office
    missed_out_of_hours(o)
    [(to, text)] = deliver(o, "l1")
    assert to == X
    assert "We missed your call." in text
    assert "Reply YES" in text
    assert "11:00" in text                                        # the line's hours
    missed_out_of_hours(o)
    o.call("l1", "912345678")                                     # a landline: no text
    o.caller_hangs_up("l1")
    assert deliver(o, "l1") == []                                 # once a day, mobiles only
    receive(o, "l1", "Sí.")
    consent = o.app.history.consents(number=X)[0]
    asked = o.app.history.last_sms_to(X, ["missed_call"])        # the text the "sí" answers
    assert (consent["channel"], consent["granted"], consent["message"]) == (
        "sms", True, asked["seq"])
    [cb] = o.app.api.texting.callbacks()
    assert (cb["state"], cb["line"], cb["consent"]["text"]) == ("waiting", "l1", "Sí.")
    confirmation = dict(deliver(o, "l1"))
    assert confirmation[X] == "We will call you back from this number today from 11:00."
    assert o.ringing() == set()                                   # closed until 11:00
    o.set_time(datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC))
    assert o.ringing() == {"s1", "s2"}                            # the team rings all
    o.set_time(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))          # the next day: a new text
    missed_out_of_hours(o, "+34600999888")
    assert [to for to, _ in deliver(o, "l1")] == [OWNER, "+34600999888"]  # the summary the
    # clock jumped over goes first


def test_a_yes_answers_only_a_text_the_box_sent(office):
    o = office
    receive(o, "l2", "si")
    assert o.app.history.consents(number=X) == []
    assert o.app.api.texting.callbacks() == []
    [conv] = o.app.api.texting.conversations()
    assert [m["text"] for m in conv["messages"]] == ["si"]        # just a message


def test_a_call_arriving_while_a_text_waits_is_answered_at_once(office):
    o = office
    o.engine.send_sms("l2", X, "first")            # handed to the idle line at once
    assert o.hw.lines["l2"].outbox == [(X, "first")]
    o.engine.send_sms("l2", X, "second")           # waits: one text at a time
    o.call("l2", "912000001")
    assert "answer" in o.hw.lines["l2"].commands   # the call does not wait for the texts
    assert o.call_on("l2").state in ("offered", "queued")
    assert deliver(o, "l2") == [(X, "first")]      # "second" stays queued during the call
    o.caller_hangs_up("l2")
    assert deliver(o, "l2") == [(X, "second")]
    assert [s["purpose"] for s in o.app.history.recent_sms(2)] == ["", ""]


def test_a_conversation_is_assigned_replied_and_closed(office):
    o = office
    receive(o, "l2", "Hola, ¿tienen cita el lunes?")
    [conv] = o.app.api.texting.conversations(open_only=True)
    assert (conv["team"], conv["agent"], conv["line"]) == ("front", "a1", "l2")
    receive(o, "l2", "Hola", sender="+34600222333")              # the next one: fewest open
    assert {c["number"]: c["agent"] for c in o.app.api.texting.conversations()} == {
        X: "a1", "+34600222333": "a2"}
    o.call("l2", "912000001")
    o.app.api.texting.reply(conv["id"], "Sí, a las 10:00.")
    assert o.hw.lines["l2"].outbox == []                         # the line is in a call
    o.caller_hangs_up("l2")
    assert deliver(o, "l2") == [(X, "Sí, a las 10:00.")]
    whole = o.app.api.texting.conversation(conv["id"])
    assert [(m["direction"], m["status"]) for m in whole["messages"]] == [
        ("in", "received"), ("out", "sent")]
    o.app.api.texting.close_conversation(conv["id"], "the owner")
    assert o.app.api.texting.conversation(conv["id"])["state"] == "closed"
    receive(o, "l2", "Gracias")                                  # a new one opens
    assert len(o.app.api.texting.conversations(open_only=True)) == 2


def test_a_quiet_conversation_closes_itself_and_waits_for_an_available_agent(office):
    o = office
    for agent in ("a1", "a2"):
        o.store.set_presence(agent, "away")
    o.settle()
    receive(o, "l2", "¿Hay alguien?")
    [conv] = o.app.api.texting.conversations(open_only=True)
    assert conv["agent"] is None
    o.store.set_presence("a2", "available")
    o.settle()
    assert o.app.api.texting.conversation(conv["id"])["agent"] == "a2"
    o.advance(119 * 60)
    assert o.app.api.texting.conversation(conv["id"])["state"] == "open"
    o.advance(60)
    closed = o.app.api.texting.conversation(conv["id"])
    assert (closed["state"], closed["closed_by"]) == ("closed", "quiet")


def test_the_owner_hears_of_voicemail_and_gets_the_summary_at_closing_time(office):
    o = office
    o.change("teams", "front", overflow={"action": "voicemail"}, max_wait_s=30)
    for agent in ("a1", "a2"):
        o.store.set_presence(agent, "away")
    o.call("l2", "912000002")
    o.advance(30)                                    # overflow: the voicemail prompt, then
    o.hw.audio.end_recording("line:l2", "silence", 12.4)     # 12 s of message
    o.settle()
    [(to, notice)] = deliver(o, "l1")                # the owner's texts leave on l1
    assert to == OWNER
    assert notice == "New voicemail from 912000002 (12 s) on Second."
    o.set_time(datetime(2026, 11, 25, 16, 59, 59, tzinfo=UTC))   # 17:59:59 in Madrid
    assert deliver(o, "l1") == []
    o.advance(1)
    [(to, summary)] = deliver(o, "l1")
    assert to == OWNER
    assert summary.startswith("Today: 1 calls, 0 answered, 0 abandoned.")
    assert "Voicemails: 1." in summary
    assert "Lines with problems: none." in summary


def test_a_team_that_only_answers_texts_sends_callers_to_its_overflow(office):
    o = office
    o.change("teams", "front", channels=["sms"],
             overflow={"action": "message", "text": "Write to us by SMS."})
    o.call("l2", "912000003")
    assert o.ringing() == set()
    assert o.heard("l2")[-1] == "say:Write to us by SMS."
    assert (o.last_call()["outcome"], o.last_call()["reason"]) == ("failed", "texts_only")
