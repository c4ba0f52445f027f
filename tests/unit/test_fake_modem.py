"""The fake modem, seen from where the driver sits: real pyserial on the pty slave.

These tests pin down the behaviours the reference's simulator checklist asks for
(at-commands.md §10), so the modem driver's own tests can rely on them. Synchronisation is
by ``wait_for`` and read-until with timeouts; short fixed reads only assert that nothing
arrives.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import replace

import pytest
import serial

from hardware.fakes.modem import Dialect, FakeModem, Quirks
from hardware.modem import pdu

FINAL = re.compile(rb"\r\n(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|COMMAND NOT SUPPORT"
                   rb"|\+CM[ES] ERROR: [^\r\n]*)\r\n")
CALLER = "+34600123456"


def lines(data: bytes) -> list[str]:
    return [ln for ln in data.decode("latin-1").replace("\r", "\n").split("\n") if ln]


class Port:
    """The driver's side, reduced to what a test needs: write, and read until a pattern."""

    def __init__(self, path: str) -> None:
        self.serial = serial.serial_for_url(path, timeout=0.02, exclusive=True)
        self.pending = bytearray()
        self.reads: list[bytes] = []

    def write(self, data: str | bytes) -> None:
        self.serial.write(data.encode() if isinstance(data, str) else data)

    def read_until(self, pattern: bytes | re.Pattern[bytes], timeout: float = 2.0) -> bytes:
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while (match := regex.search(self.pending)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{regex.pattern!r} not seen in {bytes(self.pending)!r}")
            chunk = self.serial.read(self.serial.in_waiting or 1)
            self.reads += [chunk] if chunk else []
            self.pending += chunk
        data = bytes(self.pending[:match.end()])
        del self.pending[:match.end()]
        return data

    def read_lines(self, token: bytes, count: int = 1, timeout: float = 2.0) -> list[str]:
        """Lines up to the end of the ``count``-th line containing ``token``."""
        regex = re.compile(b"(?:.*?" + re.escape(token) + b"[^\n]*\n){%d}" % count, re.S)
        return lines(self.read_until(regex, timeout))

    def command(self, command: str, timeout: float = 2.0) -> list[str]:
        self.write(command + "\r")
        return lines(self.read_until(FINAL, timeout))

    def reopen(self, path: str) -> None:
        self.serial.close()
        self.serial = serial.serial_for_url(path, timeout=0.02, exclusive=True)
        self.pending.clear()


def answered(fake: FakeModem, port: Port, **ring) -> None:
    """An incoming call the driver has answered, with any trailing URC read."""
    fake.ring(**ring)
    port.read_until(b"RING")
    assert port.command("ATA")[-1] == "OK"
    port.command("AT")  # VOICE CALL: BEGIN / ^CONN may trail the OK


@pytest.fixture
def rig(tmp_path):
    """``rig(dialect, **kwargs) -> (fake, port)``; echo off and numeric errors if ``init``."""
    made: list[tuple[FakeModem, Port]] = []

    def build(dialect=Dialect.GENERIC, *, link=False, init=True, preload=(), quirks=None,
              status=0.0, **kwargs):
        # These tests read exact bytes: vendor status lines only where a test asks for them.
        quirks = replace(quirks or Quirks(), status_in_answers=status)
        fake = FakeModem(dialect, name=f"t{len(made)}", link=tmp_path / "gsm-at" if link else None,
                         quirks=quirks, **kwargs)
        for sender, text in preload:
            fake.preload_sms(sender, text)  # on the SIM before the modem starts
        fake.start()
        port = Port(fake.path)
        made.append((fake, port))
        if init:
            assert port.command("ATE0;+CMEE=1")[-1] == "OK"
        return fake, port

    yield build
    for fake, port in made:
        port.serial.close()
        fake.close()
        assert fake.faults == []


# --- framing -------------------------------------------------------------------------------------


def test_echo_includes_the_cr_and_ate0_is_itself_echoed(rig):
    _, port = rig(init=False)
    port.write("AT\r")
    assert port.read_until(FINAL) == b"AT\r\r\nOK\r\n"
    port.write("ATE0\r")
    assert port.read_until(FINAL) == b"ATE0\r\r\nOK\r\n"
    port.write("AT\r")
    assert port.read_until(FINAL) == b"\r\nOK\r\n"


def test_info_text_is_framed_with_a_blank_line_before_ok(rig):
    _, port = rig()
    port.write("AT+CSQ\r")
    assert port.read_until(FINAL) == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    port.write("ATI\r")
    assert port.read_until(FINAL) == b"\r\nGSM MODEM 1.0\r\n\r\nOK\r\n"


def test_split_writes_reassemble_into_the_same_bytes(rig):
    _, port = rig(Dialect.EC25)
    for _ in range(5):
        port.write("ATI\r")
        assert port.read_until(FINAL) == (b"\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A06M4G"
                                          b"\r\n\r\nOK\r\n")
    assert any(not chunk.endswith(b"\n") for chunk in port.reads), "no write was ever split"


def test_a_urc_can_land_inside_a_response(rig):
    """With a fixed seed the positions are reproducible; over a few calls we see all kinds."""
    quirks = Quirks(split_writes=False, ok_delay_s=(0.08, 0.08), ring_interval_s=10)
    fake, port = rig(seed=3, quirks=quirks)
    positions = set()
    for i in range(5):
        port.write("AT+CSQ\r")
        fake.wait_for(lambda f, n=i: f.commands.count("AT+CSQ") == n + 1)
        fake.ring()
        data = port.read_until(FINAL)
        got = lines(data if b"RING" in data else data + port.read_until(b"RING\r\n"))
        assert [ln for ln in got if ln != "RING"] == ["+CSQ: 20,99", "OK"]
        positions.add(got.index("RING"))
        fake.caller_hangs_up()  # generic: the RINGs just stop
    assert 1 in positions, positions  # between +CSQ and OK
    assert len(positions) > 1, positions


@pytest.mark.parametrize(("dialect", "ring"), [
    (Dialect.SIM7600, b"\r\r\nRING\r\r\n"), (Dialect.EC25, b"\r\nRING\r\n")])
def test_simcom_frames_urcs_with_a_double_cr(rig, dialect, ring):
    fake, port = rig(dialect, quirks=Quirks(split_writes=False))
    fake.ring()
    assert port.read_until(b"RING") + port.read_until(b"\n") == ring


EXCHANGES = {  # dialect, FakeModem kwargs, [(command, reply lines)]
    "chained": (Dialect.GENERIC, {}, [
        ("ATE0V1Q0", ["OK"]), ("AT+CMEE=2;+CPIN?;+CSQ", ["+CPIN: READY", "+CSQ: 20,99", "OK"]),
        ("AT+CLIP=1;+NOPE", ["ERROR"])]),
    "unknown": (Dialect.SIM800, {}, [("AT+XYZZY", ["ERROR"])]),
    "huawei": (Dialect.HUAWEI, {}, [("AT+XYZZY", ["COMMAND NOT SUPPORT"]),
                                    ("AT+CGMI", ["huawei", "OK"]),
                                    ("AT^ICCID?", ["^ICCID: 8934071100000000001", "OK"])]),
    "simcom": (Dialect.SIM7600, {}, [("AT+CICCID", ["+ICCID: 8934071100000000001", "OK"]),
                                     ("AT+CGSN", ["862000000000001", "OK"])]),
    "sim800": (Dialect.SIM800, {}, [("AT+CCID", ["8934071100000000001", "OK"])]),
    "quectel": (Dialect.EC25, {}, [("AT+QCCID", ["+QCCID: 8934071100000000001", "OK"])]),
    "no-sim": (Dialect.GENERIC, {"pin": "NOSIM"}, [("AT+CPIN?", ["+CME ERROR: 10"])]),
    "puk": (Dialect.GENERIC, {"pin": "1234"}, [
        *[('AT+CPIN="9999"', ["+CME ERROR: 16"])] * 3, ("AT+CPIN?", ["+CPIN: SIM PUK", "OK"]),
        ('AT+CPIN="1234"', ["+CME ERROR: 16"]), ('AT+CPIN="12345678","4321"', ["OK"]),
        ("AT+CPIN?", ["+CPIN: READY", "OK"])]),
}


@pytest.mark.parametrize("case", list(EXCHANGES))
def test_command_replies(rig, case):
    dialect, kwargs, exchange = EXCHANGES[case]
    _, port = rig(dialect, **kwargs)
    for command, expected in exchange:
        assert port.command(command) == expected, command


# --- incoming calls ------------------------------------------------------------------------------


def test_ring_repeats_with_clip_until_the_network_gives_up(rig):
    fake, port = rig(quirks=Quirks(ring_interval_s=0.03, ring_limit=3))
    port.command("AT+CLIP=1")
    fake.ring()
    clip = f'+CLIP: "{CALLER}",145,,,,0'
    assert port.read_lines(b"+CLIP", 3) == ["RING", clip] * 3
    fake.wait_for(lambda f: f.call_state == "idle")
    assert port.command("AT+CLCC") == ["OK"]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"clip_before_ring": True}, [f'+CLIP: "{CALLER}",145,,,,0', "RING"]),
    ({"with_clip": False}, ["RING", "RING"]),
    ({"caller": None}, ["RING", '+CLIP: "",128,,,,1']),
])
def test_clip_variants(rig, kwargs, expected):
    fake, port = rig(quirks=Quirks(ring_interval_s=0.05))
    port.command("AT+CLIP=1")
    fake.ring(**kwargs)
    assert port.read_lines(b"RING", 2)[:2] == expected


def test_duplicate_rings(rig):
    fake, port = rig(quirks=Quirks(duplicates=1.0, ring_interval_s=5))
    fake.ring()
    assert port.read_lines(b"RING", 2) == ["RING", "RING"]  # back-to-back, one ring cycle


def test_crc_gives_cring_and_clcc_shows_the_withheld_caller(rig):
    fake, port = rig()
    port.command("AT+CRC=1")
    fake.ring(None)
    port.read_until(b"+CRING: VOICE\r\n")
    assert port.command("AT+CLCC") == ['+CLCC: 1,1,4,0,0,"",128', "OK"]


ABANDON = {
    Dialect.GENERIC: ([], []),
    Dialect.SIM7600: ([], [re.compile(r"MISSED_CALL: \d\d:\d\d[AP]M \+34600123456")]),
    Dialect.SIM800: ([], ["NO CARRIER"]),
    Dialect.EC25: (['AT+QINDCFG="ccinfo",1,0'],
                   ['+QIND: "ccinfo",1,1,4,0,0,"+34600123456",145',
                    '+QIND: "ccinfo",1,1,-1,0,0,"+34600123456",145', "NO CARRIER"]),
    Dialect.HUAWEI: ([], ["^CEND:1,0,29,16"]),
}


@pytest.mark.parametrize("dialect", list(ABANDON))
def test_caller_abandon_signal_per_dialect(rig, dialect):
    setup, expected = ABANDON[dialect]
    fake, port = rig(dialect, quirks=Quirks(ring_interval_s=5))
    for command in setup:
        assert port.command(command) == ["OK"]
    fake.ring()
    fake.caller_hangs_up()
    port.write("AT+CLCC\r")
    got = [ln for ln in lines(port.read_until(b"\r\nOK\r\n")) if ln != "RING"]  # URCs first
    assert got[-1] == "OK"  # ... and the call list is empty
    assert len(got) == len(expected) + 1
    for line, want in zip(got, expected, strict=False):
        assert want.fullmatch(line) if isinstance(want, re.Pattern) else line == want
    assert fake.call_state == "idle"


@pytest.mark.parametrize(("dialect", "hangup"), [
    (Dialect.GENERIC, "ATH"), (Dialect.SIM7600, "AT+CHUP"), (Dialect.EC25, "AT+QHUP=16,1")])
def test_answer_clcc_and_hang_up(rig, dialect, hangup):
    fake, port = rig(dialect)
    assert port.command("ATA") == ["NO CARRIER"]  # nothing to answer
    fake.ring()
    port.read_until(b"RING")
    assert port.command("ATA")[-1] == "OK"
    assert fake.call_state == "active"
    assert [ln for ln in port.command("AT+CLCC") if ln.startswith("+CLCC")] == [
        f'+CLCC: 1,1,0,0,0,"{CALLER}",145']
    assert port.command(hangup)[-1] == "OK"
    assert fake.call_state == "idle"
    assert port.command("AT+CLCC")[-1:] == ["OK"]


@pytest.mark.parametrize(("dialect", "expected"), [
    (Dialect.GENERIC, ["NO CARRIER"]),
    (Dialect.SIM7600, ["VOICE CALL: END: 000000", "NO CARRIER"]),
    (Dialect.HUAWEI, ["^CEND:1,0,29,16", "NO CARRIER"]),
])
def test_remote_hang_up_after_answer(rig, dialect, expected):
    fake, port = rig(dialect, quirks=Quirks(ring_interval_s=5))
    answered(fake, port)
    fake.caller_hangs_up()
    assert lines(port.read_until(b"NO CARRIER\r")) == expected


@pytest.mark.parametrize(("dialect", "enable", "urc"), [
    (Dialect.SIM7600, "AT+DDET=1", "+RXDTMF: {d}"),
    (Dialect.SIM800, "AT+DDET=1", "+DTMF: {d}"),
    (Dialect.EC25, "AT+QTONEDET=1", "+QTONEDET: {code}"),
    (Dialect.GENERIC, None, "+DTMF: {d}"),
])
def test_dtmf_urcs_per_dialect_only_once_enabled(rig, dialect, enable, urc):
    fake, port = rig(dialect, quirks=Quirks(ring_interval_s=5))
    answered(fake, port)
    if enable:
        fake.press("9")  # detection off: nothing reaches the driver
        assert port.command(enable) == ["OK"]
    fake.press("5#")
    token = b"TONEDET: " if dialect is Dialect.EC25 else b"DTMF: "
    got = [ln for ln in port.read_lines(token, 2) if token.decode() in ln]
    assert got == [urc.format(d=d, code=ord(d)) for d in "5#"]


def test_huawei_reports_keys_as_ddtmf(rig):
    fake, port = rig(Dialect.HUAWEI)
    answered(fake, port)
    fake.press("5")
    assert "^DDTMF: 5" in port.read_lines(b"DDTMF", 1)


def test_vts_is_only_accepted_during_a_call(rig):
    fake, port = rig()
    assert port.command("AT+VTS=1") == ["+CME ERROR: 3"]
    answered(fake, port)
    assert port.command('AT+VTS="7"') == ["OK"]
    assert fake.received_dtmf == ["7"]


def test_call_waiting_presented_and_rejected(rig):
    fake, port = rig(quirks=Quirks(ring_interval_s=5))
    answered(fake, port)
    fake.second_call()  # call waiting not enabled: the network gives busy
    assert fake.waiting_calls_rejected == 1
    assert port.command("AT+CCWA=1,1,1") == ["OK"]
    fake.second_call("+34600999888")
    port.read_until(b'+CCWA: "+34600999888",145,1\r\n')
    assert port.command("AT+CLCC")[1] == '+CLCC: 2,1,5,0,0,"+34600999888",145'
    assert port.command("AT+CHLD=0") == ["OK"]
    assert fake.waiting_calls_rejected == 2
    assert port.command("AT+CLCC") == [f'+CLCC: 1,1,0,0,0,"{CALLER}",145', "OK"]


# --- outgoing calls ------------------------------------------------------------------------------


@pytest.mark.parametrize(("outcome", "urc"), [
    ("busy", "BUSY"), ("no_answer", "NO ANSWER"), ("no_carrier", "NO CARRIER")])
def test_dial_failures_arrive_as_urcs_after_ok(rig, outcome, urc):
    fake, port = rig()
    fake.next_dial, fake.answer_after_s = outcome, 0.05
    assert port.command("ATD+34911222333;") == ["OK"]
    assert lines(port.read_until(FINAL)) == [urc]
    assert fake.call_state == "idle"
    assert fake.next_dial == "answer"


def test_dial_answered_no_network_and_never(rig):
    fake, port = rig()
    fake.answer_after_s = 0.05
    assert port.command("ATD+34911222333;") == ["OK"]
    fake.wait_for(lambda f: f.call_state == "active")
    assert port.command("AT+CLCC") == ['+CLCC: 1,0,0,0,0,"+34911222333",145', "OK"]
    port.command("ATH")
    fake.next_dial = "no_network"
    assert port.command("ATD600111222;") == ["+CME ERROR: 30"]
    fake.next_dial = "never"
    port.command("ATD600111222;")
    fake.wait_for(lambda f: f.call_state == "alerting")
    assert port.command("AT+CLCC") == ['+CLCC: 1,0,3,0,0,"600111222",129', "OK"]
    assert port.command("AT+CHUP") == ["OK"]
    assert fake.call_state == "idle"


def test_colp_holds_the_final_code_until_answer(rig):
    fake, port = rig()
    fake.answer_after_s = 0.06
    port.command("AT+COLP=1")
    port.write("ATD+34911222333;\r")
    fake.wait_for(lambda f: f.call_state == "alerting")
    assert port.read_until(FINAL) == b'\r\n+COLP: "+34911222333",145,"",0,""\r\n\r\nOK\r\n'
    assert fake.call_state == "active"
    fake.next_dial = "busy"
    port.command("ATH")
    assert port.command("ATD+34911222333;") == ["BUSY"]


def test_huawei_call_progress_urcs(rig):
    fake, port = rig(Dialect.HUAWEI)
    fake.answer_after_s = 0.05
    port.command("ATD+34911222333;")
    assert lines(port.read_until(b"^CONN:1,0\r\n")) == ["^ORIG:1,0", "^CONF:1", "^CONN:1,0"]
    fake.remote_hangs_up()
    assert lines(port.read_until(b"NO CARRIER\r\n"))[-2:] == ["^CEND:1,0,29,16", "NO CARRIER"]


# --- SMS -----------------------------------------------------------------------------------------


def send_pdu(port: Port, hex_pdu: str, length: int) -> list[str]:
    port.write(f"AT+CMGS={length}\r")
    port.read_until(b"\r\n> ")
    port.write(hex_pdu.encode() + b"\x1a")
    return lines(port.read_until(FINAL))


def test_sms_send_pdu_with_ctrl_z(rig):
    fake, port = rig(init=False)
    port.command("AT+CMGF=0")
    got = send_pdu(port, "0011000B914306103254F60000A704C8373B0C", 18)  # reference §6.4
    assert got[0] == "0011000B914306103254F60000A704C8373B0C\x1a"  # echo on: body echoed
    assert re.fullmatch(r"\+CMGS: \d+", got[1])
    assert got[2] == "OK"
    assert fake.sent_sms == [(CALLER, "Hola")]


def test_sms_send_multipart_spanish(rig):
    fake, port = rig()
    text = "Mañana a las 9:00 en la oficina de Córdoba, por favor traed la documentación. " * 2
    parts = pdu.encode_submit(CALLER, text, ref=7)
    assert len(parts) == 3
    for part in parts:
        assert send_pdu(port, part.hex, part.tpdu_length)[-1] == "OK"
    assert fake.sent_sms == [(CALLER, text)]


def test_sms_escape_aborts_and_bad_length_is_refused(rig):
    fake, port = rig()
    port.write("AT+CMGS=18\r")
    port.read_until(b"> ")
    port.write(b"0011\x1b")
    assert lines(port.read_until(FINAL)) == ["OK"]
    assert send_pdu(port, "0011000B914306103254F60000A704C8373B0C", 17) == ["+CMS ERROR: 304"]
    assert fake.sent_sms == []


def test_sms_text_mode_charsets(rig):
    fake, port = rig()
    port.command("AT+CMGF=1")
    port.write(f'AT+CMGS="{CALLER}"\r')
    port.read_until(b"> ")
    port.write(b"Hola\x1a")
    assert lines(port.read_until(FINAL))[-1] == "OK"
    port.command("AT+CSMP=17,167,0,8")
    port.write(f'AT+CMGS="{CALLER}"\r')
    port.read_until(b"> ")
    port.write(b"005300ED\x1a")
    assert lines(port.read_until(FINAL)) == ["+CMS ERROR: 305"]  # UCS-2 body, CSCS still GSM
    port.command('AT+CSCS="UCS2"')
    port.write(f'AT+CMGS="{CALLER.encode("utf-16-be").hex().upper()}"\r')
    port.read_until(b"> ")
    port.write(b"005300ED\x1a")
    assert lines(port.read_until(FINAL))[-1] == "OK"
    assert fake.sent_sms == [(CALLER, "Hola"), (CALLER, "Sí")]


def test_sms_receive_read_list_delete(rig):
    fake, port = rig()
    fake.deliver_sms(CALLER, "¿Abrís mañana?")
    index = int(lines(port.read_until(re.compile(rb'\+CMTI: "SM",(\d+)\r\n')))[0].split(",")[1])
    header, body, ok = port.command(f"AT+CMGR={index}")
    assert header.startswith("+CMGR: 0,,")
    assert ok == "OK"
    message = pdu.decode_deliver(body)
    assert (message.sender, message.text) == (CALLER, "¿Abrís mañana?")
    assert port.command("AT+CMGL=4")[0] == f"+CMGL: {index},1,,{header.split(',')[-1]}"
    assert port.command(f"AT+CMGD={index}") == ["OK"]
    assert fake.stored_sms == {}
    assert port.command("AT+CMGL=4") == ["OK"]


def test_sms_long_message_arrives_in_parts(rig):
    fake, port = rig(seed=1)
    text = "Llamada perdida de la gestoría: devolved la llamada antes de las 14:00, gracias. " * 3
    count = len(pdu.split_text(text, pdu.choose_encoding(text)))
    fake.deliver_sms(CALLER, text)
    port.read_lines(b"+CMTI", count)
    listing = port.command("AT+CMGL=4")
    assert count == 4
    assert len(listing) == 2 * count + 1  # each part: header + PDU; then OK
    reassembler = pdu.Reassembler()
    whole = [reassembler.add(pdu.decode_deliver(ln), now=0) for ln in listing[1:-1:2]]
    assert [m.text for m in whole if m] == [text]


def test_sms_direct_delivery_and_preloaded_store(rig):
    fake, port = rig(Dialect.SIM7600, preload=[("+34911000000", "stored before start")])
    assert len(port.command("AT+CMGL=4")) == 3
    fake.deliver_sms(CALLER, "direct", store=False)
    header, body = lines(port.read_until(re.compile(rb"\+CMT: ,\d+\r+\n[0-9A-F]+\r+\n")))
    assert pdu.decode_deliver(body).text == "direct"
    assert int(header.split(",")[1]) == len(body) // 2 - 1 - int(body[:2], 16)


# --- SIM, registration ---------------------------------------------------------------------------


def test_sim_pin_wrong_right_and_ready_urcs(rig):
    _, port = rig(Dialect.SIM7600, pin="1234")
    assert port.command("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
    assert port.command("AT+CIMI") == ["+CME ERROR: 11"]
    assert port.command('AT+CPIN="0000"') == ["+CME ERROR: 16"]
    assert port.command('AT+CPIN="1234"') == ["OK"]
    assert lines(port.read_until(b"PB DONE\r\r\n")) == ["+CPIN: READY", "SMS DONE", "PB DONE"]
    port.command("AT+CMEE=2")
    assert port.command("AT+CPIN?") == ["+CPIN: READY", "OK"]


def test_sim_busy_after_boot(rig):
    _, port = rig(quirks=Quirks(sim_busy_s=0.15))
    assert port.command("AT+CPMS?") == ["+CMS ERROR: 314"]
    deadline = time.monotonic() + 2
    while port.command("AT+CPIN?") == ["+CME ERROR: 14"] and time.monotonic() < deadline:
        pass  # a driver retries (each round trip takes a few ms)
    assert port.command("AT+CPMS?") == ['+CPMS: "SM",0,40,"SM",0,40,"SM",0,40', "OK"]


def test_wavecom_cpin_without_ok(rig):
    _, port = rig(quirks=Quirks(cpin_without_ok=True))
    port.write("AT+CPIN?\r")
    assert lines(port.read_until(b"+CPIN: READY\r\n")) == ["+CPIN: READY"]
    assert port.command("AT+CSQ") == ["+CSQ: 20,99", "OK"]  # no OK was left over


def test_registration_urcs_signal_and_operator(rig):
    fake, port = rig(Dialect.SIM7600)
    port.command("AT+CREG=2;+CEREG=1")
    fake.set_registration(2)
    assert lines(port.read_until(b"+CEREG: 2")) == ["+CREG: 2", "+CEREG: 2"]
    assert port.command("AT+CSQ") == ["+CSQ: 99,99", "OK"]
    assert port.command("ATD600111222;") == ["+CME ERROR: 30"]
    fake.set_registration(5)
    port.read_until(b"+CEREG: 5")
    assert port.command("AT+CREG?")[0] == '+CREG: 2,5,"00C3","0000A13B",7'
    assert port.command("AT+COPS?")[0] == '+COPS: 0,0,"movistar",7'


# --- failures ------------------------------------------------------------------------------------


def test_reboot_sends_boot_urcs_and_resets_settings(rig):
    fake, port = rig(Dialect.SIM7600)
    port.command("AT+CLIP=1")
    fake.reboot(silent_s=0.05)
    assert lines(port.read_until(b"PB DONE\r\r\n")) == ["RDY", "+CPIN: READY", "SMS DONE",
                                                       "PB DONE"]
    port.write("AT+CLIP?\r")
    assert lines(port.read_until(FINAL)) == ["AT+CLIP?", "+CLIP: 0,1", "OK"]  # echo back on


def test_unplug_and_replug_at_the_same_link(rig):
    fake, port = rig(Dialect.EC25, link=True)
    fake.unplug()
    with pytest.raises(serial.SerialException):
        port.write("AT\r")
    fake.replug()
    port.reopen(fake.path)
    boot = port.read_lines(b" DONE", 2)
    assert boot[:4] == ["RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1"]
    port.write("AT\r")
    assert port.read_until(FINAL) == b"AT\r\r\nOK\r\n"


def test_cfun_reboot_drops_the_port_and_comes_back(rig):
    fake, port = rig(Dialect.SIM800, link=True, quirks=Quirks(reboot_s=0.05))
    fake.ring()
    port.read_until(b"RING")
    assert port.command("AT+CFUN=1,1")[-1] == "OK"
    with pytest.raises(serial.SerialException):
        port.read_until(b"never", timeout=1)
    fake.wait_for(lambda f: os.path.exists(f.path))  # the link is back: re-enumerated
    port.reopen(fake.path)
    assert lines(port.read_until(b"SMS Ready\r\n")) == ["RDY", "+CFUN: 1", "+CPIN: READY",
                                                        "Call Ready", "SMS Ready"]
    assert fake.call_state == "idle"


def test_wedged_modem_keeps_sending_urcs_but_answers_nothing(rig):
    fake, port = rig(Dialect.HUAWEI, quirks=Quirks(periodic_urc_s=0.03))
    fake.wedge()
    port.write("AT\r")
    assert port.read_lines(b"^RSSI", 3) == ["^RSSI:20"] * 3  # and no OK among them
    assert fake.commands[-1] == "AT"
    fake.wedge(False)
    assert [ln for ln in port.command("AT") if not ln.startswith("^RSSI")] == ["OK"]


def test_garbage_and_stale_ok(rig):
    fake, port = rig(init=False, quirks=Quirks(stale_ok_on_open=True, garbage=True))
    assert port.read_until(FINAL) == b"\r\nOK\r\n"  # before any command was sent
    fake.inject(b"\x00\xff\xfe junk \r")
    assert port.read_until(b"junk \r") == b"\x00\xff\xfe junk \r"
    port.write("\x1bAT\r")
    assert lines(port.read_until(FINAL))[-1] == "OK"
    assert fake.commands[-1] == "AT"
    port.write("AT+COPS?\r")
    assert b'"movistar\xff",0' in port.read_until(FINAL)  # a non-UTF-8 byte in the name


def test_close_joins_the_modem_thread():
    fake = FakeModem(name="joined")
    fake.start()
    assert "fake-modem-joined" in [t.name for t in threading.enumerate()]
    fake.close()
    assert "fake-modem-joined" not in [t.name for t in threading.enumerate()]


# -- what other projects' real-modem transcripts showed (issue 9) --------------------------------

def test_vendor_status_lines_come_inside_answers_even_between_header_and_pdu(rig):
    _, port = rig(Dialect.HUAWEI, status=1.0, preload=[("+34600111222", "hola")])
    assert port.command("AT+CMGF=0")[-1] == "OK"
    got = port.command("AT+CMGL=4")
    status = [ln for ln in got if ln.startswith(("^DSFLOWRPT", "^NDISSTAT", "^SYSINFO"))]
    assert got[0].startswith("+CMGL: 0,0,")
    assert len(status) == 2                             # before the PDU and before the OK
    assert got.index(status[0]) == 1


@pytest.mark.parametrize(("quirks", "answer"), [
    (Quirks(cpin_quoted=True), '+CPIN: "SIM PIN"'),
    (Quirks(sim_lock="PH-NET PIN"), "+CPIN: PH-NET PIN"),
])
def test_sim_state_quirks(rig, quirks, answer):
    _, port = rig(quirks=quirks, pin="1234")
    assert port.command("AT+CPIN?")[0] == answer


def test_clock_without_zone_and_a_phantom_data_call(rig):
    _, port = rig(quirks=Quirks(cclk_zone=False, phantom_data_call=True))
    assert re.fullmatch(r'\+CCLK: "\d\d/\d\d/\d\d,\d\d:\d\d:\d\d"', port.command("AT+CCLK?")[0])
    assert port.command("AT+CLCC") == ['+CLCC: 7,0,0,1,0,"",128', "OK"]


def test_zte_style_remote_hangup_says_only_hangup(rig):
    fake, port = rig(quirks=Quirks(hangup_urc="HANGUP: {idx}", ring_interval_s=5))
    answered(fake, port)
    fake.remote_hangs_up()
    assert lines(port.read_until(b"HANGUP: 1\r\n")) == ["HANGUP: 1"]
    assert port.command("AT") == ["OK"]                        # and no NO CARRIER


def test_chup_ends_a_waiting_call_too(rig):
    fake, port = rig(quirks=Quirks(ring_interval_s=5))
    port.command("AT+CCWA=1,1,1")
    answered(fake, port)
    fake.second_call()
    port.read_until(b"+CCWA")
    assert port.command("AT+CHUP")[-1] == "OK"
    fake.wait_for(lambda f: f.call_state == "idle")


def test_a_held_command_is_answered_on_release(rig):
    fake, port = rig()
    fake.hold("AT+CSQ")
    port.write("AT+CSQ\r")
    fake.wait_for(lambda f: f.holding)
    fake.release()
    assert lines(port.read_until(FINAL)) == ["+CSQ: 20,99", "OK"]
