"""baresip's ctrl_tcp framing and messages, from bytes as a socket may split them."""

from __future__ import annotations

import pytest

from hardware.sip.control import Event, Netstrings, ProtocolError, encode

# Shapes as baresip 1.0.0 sent them in this project's loopback runs (tests/sip/test_sip_line.py).
INCOMING = (b'{"event":true,"type":"CALL_INCOMING","class":"call","accountaor":'
            b'"sip:line-a@127.0.0.1:5070","direction":"incoming","peeruri":'
            b'"sip:600111222@127.0.0.1:5072","id":"d6b36e82b75e0cc4",'
            b'"param":"sip:600111222@127.0.0.1:5072"}')
REPLY = b'{"response":true,"ok":true,"data":"","token":"7"}'


def framed(body: bytes) -> bytes:
    return b"%d:%s," % (len(body), body)


def test_messages_split_anywhere_come_out_whole_and_in_order():
    stream = framed(INCOMING) + framed(REPLY)
    for cut in range(1, len(stream)):
        decoder = Netstrings()
        found = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert [m.get("token") or m["type"] for m in found] == ["CALL_INCOMING", "7"]


def test_what_we_send_is_a_netstring_baresip_reads():
    assert encode({"command": "accept", "params": "", "token": "1"}) == \
        b'44:{"command":"accept","params":"","token":"1"},'
    assert Netstrings().feed(encode({"a": "ñ"})) == [{"a": "ñ"}]


@pytest.mark.parametrize("garbage", [b"x5:hello,", b"5:hello;", b"2:{],",
                                     b"99999999999:"])
def test_garbage_is_a_protocol_error(garbage):
    with pytest.raises(ProtocolError):
        Netstrings().feed(garbage)


def test_an_event_keeps_its_call_peer_and_account():
    event = Event.parse(Netstrings().feed(framed(INCOMING))[0])
    assert (event.type, event.account, event.call, event.peer) == (
        "CALL_INCOMING", "sip:line-a@127.0.0.1:5070", "d6b36e82b75e0cc4",
        "sip:600111222@127.0.0.1:5072")
