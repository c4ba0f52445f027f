"""Stored messages leave the SIM only once the core has them whole (issue 9, classes 1, 7)."""

from __future__ import annotations

from datetime import UTC, datetime

from hardware.modem import answers, sms
from hardware.modem.pdu import Concat, encode_deliver, encode_submit
from tests.modem_corpus.corpus import Replay

WHEN = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SENDER = "+34600111222"


def part(seq: int, text: str, total: int = 2) -> str:
    return encode_deliver(SENDER, text, WHEN, concat=Concat(7, total, seq))


def test_a_single_message_frees_its_slot_once_delivered():
    got = []
    inbox = sms.Inbox(got.append)
    assert inbox.add(encode_deliver(SENDER, "hola", WHEN), 4) == [4]
    assert [m.text for m in got] == ["hola"]


def test_an_unreadable_message_stays_on_the_sim():
    got = []
    inbox = sms.Inbox(got.append)
    assert inbox.add("07911326040000F0040B911346", 3) == []
    assert got == []


def test_parts_free_their_slots_together_and_a_late_duplicate_at_once():
    got = []
    inbox = sms.Inbox(got.append)
    assert inbox.add(part(2, "mundo"), 6) == []          # waits for part 1, still on the SIM
    assert inbox.add(part(1, "hola "), 5) == [6, 5]
    assert [m.text for m in got] == ["hola mundo"]
    assert inbox.add(part(1, "hola "), 9) == [9]         # a network retry of a delivered part
    assert len(got) == 1


def test_an_incomplete_set_is_delivered_with_a_gap_when_it_expires():
    got = []
    inbox = sms.Inbox(got.append, clock=iter([0.0, 7200.0]).__next__)
    assert inbox.add(part(1, "hola ", total=3), 5) == []
    assert inbox.expire() == [5]
    assert got[0].text.startswith("hola ")


def test_the_sweep_reads_received_messages_only():
    """AT+CMGL=4 lists drafts (stat 2) and sent messages (3): not ours to read or delete."""
    draft = encode_submit("+34600999888", "borrador", ref=1)[0].hex
    received = encode_deliver(SENDER, "recibido", WHEN)
    replay = Replay({"AT+CMGL=4": ["+CMGL: 0,2,,19", draft, "+CMGL: 1,1,,20", received, "OK"]})
    assert sms.list_stored(replay.chan) == [(1, received)]
    assert answers.pdu(received)
    assert not answers.pdu("^DSFLOWRPT:00000210,00000000")
