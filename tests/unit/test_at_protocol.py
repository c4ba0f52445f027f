"""The AT channel and URC table from transcripts: bytes in → command results and URCs out."""

from __future__ import annotations

import threading

import pytest

from hardware.modem import answers, unsolicited, urc
from hardware.modem.at import AtAborted, AtChannel, AtTimeout


class Wire:
    """Plays the modem: records what the channel writes, feeds back scripted bytes."""

    def __init__(self) -> None:
        self.written = b""
        self.urcs: list[str] = []
        self.chan = AtChannel(self.write, self.urcs.append, timeout=2.0)
        self.wrote = threading.Event()

    def write(self, data: bytes) -> None:
        self.written += data
        self.wrote.set()

    def run(self, command: str, *chunks: bytes, **kwargs):
        """Send ``command`` and answer it with ``chunks`` (fed in separate reads)."""
        result: dict = {}

        def call():
            try:
                result["value"] = self.chan.command(command, **kwargs)
            except AtTimeout as exc:
                result["error"] = exc

        thread = threading.Thread(target=call)
        thread.start()
        assert self.wrote.wait(2)
        for chunk in chunks:
            self.chan.feed(chunk)
        thread.join(3)
        if "error" in result:
            raise result["error"]
        return result["value"]


@pytest.fixture
def wire():
    return Wire()


def test_echo_and_framing(wire):
    result = wire.run("AT+CSQ", b"AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\nOK\r\n", expect=("+CSQ:",))
    assert (result.ok, result.lines, wire.urcs) == (True, ["+CSQ: 18,99"], [])
    assert wire.written == b"AT+CSQ\r"
    assert wire.chan.echo_seen


def test_split_reads_reassemble(wire):
    result = wire.run("AT+CSQ", b"\r\n+CS", b"Q: 2", b"0,99\r", b"\n\r\nOK\r", b"\n",
                      expect=("+CSQ:",))
    assert result.first("+CSQ:") == "20,99"


def test_urcs_inside_a_response_go_to_the_urc_handler(wire):
    result = wire.run("AT+CSQ", b"\r\nRING\r\n\r\n+CSQ: 18,99\r\n",
                      b'\r\n+CLIP: "+34600123456",145,,,,0\r\n\r\nOK\r\n', expect=("+CSQ:",))
    assert result.lines == ["+CSQ: 18,99"]
    assert wire.urcs == ["RING", '+CLIP: "+34600123456",145,,,,0']


def test_bare_answers_take_lines_of_their_shape_but_not_urcs(wire):
    result = wire.run("AT+CGSN", b"\r\n862000000000001\r\n\r\n+CMTI: \"SM\",3\r\n\r\nOK\r\n",
                      shape=answers.imei)
    assert result.lines == ["862000000000001"]
    assert wire.urcs == ['+CMTI: "SM",3']


def test_simcom_double_cr_and_nul_bytes(wire):
    result = wire.run("ATA", b"\x00\x00\r\r\n+RXDTMF: 5\r\r\n\r\nOK\r\n")
    assert result.ok
    assert wire.urcs == ["+RXDTMF: 5"]


@pytest.mark.parametrize(("answer", "error"), [
    (b"\r\n+CME ERROR: 16\r\n", "16"),
    (b"\r\n+CME ERROR: SIM not inserted\r\n", "SIM not inserted"),
    (b"\r\n+CMS ERROR: 305\r\n", "305"),
    (b"\r\nERROR\r\n", None),
    (b"\r\nCOMMAND NOT SUPPORT\r\n", None),
])
def test_error_finals(wire, answer, error):
    result = wire.run('AT+CPIN="0000"', answer)
    assert (result.ok, result.error) == (False, error)


def test_no_carrier_ends_a_dial_but_is_a_urc_otherwise(wire):
    dial = wire.run("ATD600123456;", b"\r\nBUSY\r\n", call_finals=True)
    assert (dial.ok, dial.final) == (False, "BUSY")
    wire.wrote.clear()
    csq = wire.run("AT+CSQ", b"\r\nNO CARRIER\r\n\r\n+CSQ: 1,99\r\n\r\nOK\r\n", expect=("+CSQ:",))
    assert csq.ok
    assert wire.urcs == ["NO CARRIER"]


def test_sms_prompt_without_line_end_then_body(wire):
    def modem():
        assert wire.wrote.wait(2)
        wire.wrote.clear()
        wire.chan.feed(b"\r\n> ")
        assert wire.wrote.wait(2)
        wire.chan.feed(b"\r\n+CMTI: \"SM\",1\r\n\r\n+CMGS: 42\r\n\r\nOK\r\n")

    helper = threading.Thread(target=modem)
    helper.start()
    result = wire.chan.command("AT+CMGS=18", expect=("+CMGS:",), body=b"0011AB")
    helper.join(2)
    assert result.first("+CMGS:") == "42"
    assert wire.written == b"AT+CMGS=18\r0011AB\x1a"
    assert wire.urcs == ['+CMTI: "SM",1']


def test_two_line_urc_arrives_whole(wire):
    wire.chan.feed(b"\r\n+CMT: ,24\r\n07914306\r\n")
    assert wire.urcs == ["+CMT: ,24\n07914306"]


def test_lines_with_nobody_waiting_are_urcs(wire):
    wire.chan.feed(b"\r\nOK\r\n\r\nRING\r\n")          # a stale OK is not taken as an answer
    assert wire.urcs == ["OK", "RING"]


def test_timeout_and_abort(wire):
    with pytest.raises(AtTimeout):
        wire.run("AT", timeout=0.05)
    wire.wrote.clear()
    done = threading.Event()

    def aborter():
        wire.wrote.wait(2)
        wire.chan.abort("the modem restarted (RDY)")
        done.set()

    threading.Thread(target=aborter).start()
    with pytest.raises(AtAborted, match="restarted"):
        wire.chan.command("AT+CSQ", timeout=5)
    assert done.wait(1)


def test_garbage_bytes_do_not_break_framing(wire):
    result = wire.run("AT", b"\xff\xfe\r\n\xc3(\r\nOK\r\n")
    assert result.ok
    assert len(wire.urcs) == 2   # two junk lines, decoded with replacement characters


@pytest.mark.parametrize(("line", "parsed"), [
    ("RING", urc.Ring()),
    ("+CRING: VOICE", urc.Ring()),
    ('+CLIP: "+34600123456",145,,,,0', urc.CallerId("+34600123456")),
    ('+CLIP: "18127870064",161,"",0,"",0', urc.CallerId("18127870064")),
    ('+CLIP: "",128,,,,1', urc.CallerId(None)),
    ('+CLIP: "+34600123456",145', urc.CallerId("+34600123456")),
    ("NO CARRIER", urc.CallEnded("NO CARRIER")),
    ("VOICE CALL: END: 000041", urc.CallEnded("VOICE CALL: END")),
    ("VOICE CALL: BEGIN", urc.CallConnected()),
    ("MISSED_CALL: 11:01AM 07712345678", urc.CallEnded("MISSED_CALL")),
    ("^CEND:1,5,29,16", urc.CallEnded("^CEND")),
    ("^CEND:1,0,29,17", urc.CallEnded("BUSY")),
    ('+QIND: "ccinfo",1,1,-1,0,0,"+34600123456",145', urc.CallEnded("ccinfo released")),
    ('+QIND: "ccinfo",1,0,0,0,0,"+34600123456",145', urc.CallConnected()),
    ('+CLCC: 1,1,6,0,0,"+34600123456",145', urc.CallEnded("+CLCC released")),
    ('+CLCC: 1,1,4,0,0,"+34600123456",145', urc.IncomingListed("+34600123456")),
    ("+DTMF: 5", urc.Dtmf("5")),
    ("+RXDTMF: #", urc.Dtmf("#")),
    ("+QTONEDET: 42", urc.Dtmf("*")),
    ("+QTONEDET: 53", urc.Dtmf("5")),
    ('+CCWA: "+34600999888",145,1', urc.WaitingCall("+34600999888")),
    ('+CMTI: "SM",3', urc.NewSms("SM", 3)),
    ('+CREG: 1,"00C3","0000A13B",7', urc.Registration(1)),
    ("+CEREG: 2", urc.Registration(2)),
    ('+QIND: "csq",27,99', urc.Signal(27)),
    ("^RSSI:13", urc.Signal(13)),
    ("RDY", urc.Boot("RDY")),
    ("+CPIN: NOT INSERTED", urc.SimStatus("NOT INSERTED")),
    ("+QIND: SMS DONE", urc.Other("+QIND: SMS DONE")),
])
def test_urc_table(line, parsed):
    assert unsolicited.parse(line) == parsed


def test_clcc_list_and_signal_conversion():
    calls = urc.parse_clcc_list(['+CLCC: 1,1,4,0,0,"+34600123456",145',
                                 '+CLCC: 2,1,5,0,0,"",128,,,1'])
    assert [(c.direction, c.stat, c.number) for c in calls] == \
        [(1, 4, "+34600123456"), (1, 5, None)]
    assert [urc.rssi_to_dbm(r) for r in (0, 20, 31, 99)] == [-113, -73, -51, None]


@pytest.mark.parametrize(("answer", "expected"), [
    (b'\r\n+CCLK: "26/11/25,10:22:33+04"\r\n\r\nOK\r\n', "2026-11-25T09:22:33+00:00"),
    (b'\r\n+CCLK: "26/07/09,09:00:00-12"\r\n\r\nOK\r\n', "2026-07-09T12:00:00+00:00"),
    (b'\r\n+CCLK: "00/01/01,00:00:05+00"\r\n\r\nOK\r\n', None),       # no NITZ yet
    (b"\r\nERROR\r\n", None),
])
def test_network_time_from_cclk(wire, answer, expected):
    from hardware.modem.setup import network_time

    result = {}
    thread = threading.Thread(target=lambda: result.update(t=network_time(wire.chan)))
    thread.start()
    assert wire.wrote.wait(2)
    wire.chan.feed(answer)
    thread.join(2)
    assert (result["t"].isoformat() if result["t"] else None) == expected


def test_an_answer_without_final_result_code_is_accepted_once_its_line_came(wire):
    """Wavecom: ``+CPIN: READY`` and no OK (python-gsmmodem's recorded Wavecom modem)."""
    wire.chan.final_grace = 0.05
    result = wire.run("AT+CPIN?", b"\r\n+CPIN: READY\r\n", expect=("+CPIN:",),
                      final_optional=True)
    assert (result.ok, result.final, result.lines) == (True, "", ["+CPIN: READY"])


def test_a_registration_urc_during_the_query_stays_a_urc(wire):
    """``+CEREG: <stat>,"<tac>",...`` (unsolicited) arriving while ``AT+CEREG?`` is asked."""
    result = wire.run("AT+CEREG?", b'\r\n+CEREG: 1,"2B67","0A3F0B01",7\r\n',
                      b'\r\n+CEREG: 2,5,"2B67","0A3F0B01",7\r\n\r\nOK\r\n',
                      shape=answers.registration_read("+CEREG:"))
    assert result.lines == ['+CEREG: 2,5,"2B67","0A3F0B01",7']
    assert wire.urcs == ['+CEREG: 1,"2B67","0A3F0B01",7']


@pytest.mark.parametrize(("line", "parsed"), [
    ("HANGUP: 1", urc.CallEnded("HANGUP")),
    ("^DDTMF: 5", urc.Dtmf("5")),
    ('+CLCC: 1,1,4,1,0,"",128', urc.Other('+CLCC: 1,1,4,1,0,"",128')),   # a data call
    ('+CPIN: "SIM PIN"', urc.SimStatus("SIM PIN")),
    ("+CEREG: 10", urc.Registration(10)),
    ('+CREG: 2,5,"0502","0404736D"', urc.Registration(5)),   # MD400: <n> in the URC too
])
def test_vendor_forms_from_real_transcripts(line, parsed):
    assert unsolicited.parse(line) == parsed
