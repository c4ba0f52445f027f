"""The SMS PDU codec: known vectors, round trips, part boundaries, bad input, reassembly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hardware.modem.pdu import (
    Concat,
    Deliver,
    Encoding,
    PduError,
    Reassembler,
    Submit,
    SubmitPdu,
    choose_encoding,
    decode_deliver,
    decode_submit,
    encode_deliver,
    encode_submit,
    split_text,
)

MADRID = timezone(timedelta(hours=2))
BUENOS_AIRES = timezone(timedelta(hours=-3))
KATHMANDU = timezone(timedelta(hours=5, minutes=45))
WHEN = datetime(2024, 5, 1, 10, 22, 33, tzinfo=MADRID)

SPANISH = "¿Dónde está la señora Núñez? ¡Mañana!"
EXTENSION = "€ [ ] { } ~ \\ ^ |"


def send(text: str, destination: str = "+34600123456", ref: int = 7) -> list[Submit]:
    return [decode_submit(p.hex) for p in encode_submit(destination, text, ref=ref)]


def udl(pdu: SubmitPdu) -> int:
    """TP-UDL of one of our SUBMITs to a +346... number: octet 14, after the VP."""
    return int(pdu.hex[2 * 14:2 * 15], 16)


# --- known vectors ---

def test_hellohello_vector_from_23040():
    vector = "0001000B916407281553F800000AE8329BFD4697D9EC37"  # VP absent (first octet 01)
    assert decode_submit(vector) == Submit("+46708251358", "hellohello", Encoding.GSM7, None)
    assert len(bytes.fromhex(vector)) - 1 == 22  # what AT+CMGS=<n> would say for it
    # We emit a relative VP (A7 = 24 h), so our PDU is the same plus one octet.
    assert encode_submit("+46708251358", "hellohello", ref=0) == [SubmitPdu(
        "0011000B916407281553F80000A70AE8329BFD4697D9EC37", 23)]


def test_hand_packed_septets():
    # H=1001000 o=1101111 l=1101100 a=1100001, packed LSB first:
    # C8 = o.bit0|H, 37 = l.bits0-1|o>>1, 3B = a.bits0-2|l>>2, 0C = a>>3
    assert encode_submit("+34600123456", "Hola", ref=0)[0].hex.endswith("04C8373B0C")
    # "€" is ESC (0x1B) then 0x65: 9B = 0x65.bit0|0x1B, 32 = 0x65>>1; UDL counts 2 septets.
    assert encode_submit("+34600123456", "€", ref=0)[0].hex.endswith("029B32")


def test_worked_examples_of_the_reference():
    assert encode_submit("+34600123456", "Hola", ref=0) == [
        SubmitPdu("0011000B914306103254F60000A704C8373B0C", 18)]
    assert encode_submit("+34600123456", "Sí, mañana", ref=0) == [SubmitPdu(
        "0011000B914306103254F60008A714005300ED002C0020006D006100F10061006E0061", 34)]
    part = "0051000B914306103254F60008A7140500032A020100430061006E0063006900F3006E"
    assert decode_submit(part) == Submit("+34600123456", "Canción", Encoding.UCS2,
                                         Concat(ref=0x2A, total=2, seq=1))


def test_python_gsmmodem_deliver_vector():
    # babca/python-gsmmodem test/test_modem.py, read there as 13/01/28 14:51:42+08
    msg = decode_deliver("07917248014000F3240B917247587706F400003110824115248012"
                         "C8329BFD06C9C373B8B82C97E741F034")
    assert msg == Deliver("+27748577604", "Hello raspberry pi",
                          datetime(2013, 1, 28, 14, 51, 42, tzinfo=MADRID), Encoding.GSM7, None)


def test_real_alphanumeric_sender_with_concat_header():
    # Same source: a Ukrainian operator's part 1/2, sender TON 5, UDH then one fill bit.
    msg = decode_deliver(
        "07918340247399484007D035DA6C06000051401091731321A0050003720201846176D83D07C56A"
        "2E180C2D77B340E2B7BB3E07C15C30185AEE7629542A954258D6B3D3ED341DE40E83D86973599702"
        "C5603010DA0E82BF41B11A68FD86BB4034980B066A0A414937BD2C7797E920F81B440FCBF3E6BA0B"
        "34A381A6CD2908FE0655D7F270DA9D7681A0E175990E82BFE7ECFA193487B3C36374D9FD0691DFA0"
        "D8CD05A3B962")
    assert msg.sender == "5433"
    assert msg.concat == Concat(ref=0x72, total=2, seq=1)
    assert msg.text.startswith("Balans 15.00hrn, bonus 0.00hrn.\n***\nBezlimit")
    assert msg.text.endswith("splacheno do 17.04.1")
    assert msg.timestamp == datetime(2015, 4, 1, 19, 37, 31, tzinfo=timezone(timedelta(hours=3)))


def packed(septets: list[int]) -> str:
    """An independent septet packer: septet i occupies bits 7i..7i+6, little-endian."""
    value = sum(s << (7 * i) for i, s in enumerate(septets))
    return value.to_bytes((7 * len(septets) + 7) // 8, "little").hex().upper()


@pytest.mark.parametrize(("ch", "code"), [
    ("@", 0x00), ("£", 0x01), ("$", 0x02), ("è", 0x04), ("Ç", 0x09), ("\n", 0x0A),
    ("Δ", 0x10), ("_", 0x11), ("Ξ", 0x1A), ("É", 0x1F), ("¤", 0x24), ("¡", 0x40),
    ("Ñ", 0x5D), ("§", 0x5F), ("¿", 0x60), ("ñ", 0x7D), ("à", 0x7F),
])
def test_default_alphabet_codes(ch, code):
    assert encode_submit("+34600123456", ch, ref=0)[0].hex.endswith("01" + packed([code]))
    assert decode_deliver(deliver_hex("00", "01" + packed([code]))).text == ch


@pytest.mark.parametrize(("ch", "code"), [
    ("\f", 0x0A), ("^", 0x14), ("{", 0x28), ("}", 0x29), ("\\", 0x2F), ("[", 0x3C),
    ("~", 0x3D), ("]", 0x3E), ("|", 0x40), ("€", 0x65),
])
def test_extension_table_codes(ch, code):
    assert encode_submit("+34600123456", ch, ref=0)[0].hex.endswith("02" + packed([0x1B, code]))
    assert decode_deliver(deliver_hex("00", "02" + packed([0x1B, code]))).text == ch


# --- encoding choice and round trips ---

@pytest.mark.parametrize(("text", "encoding"), [
    ("Hello world", Encoding.GSM7),
    (EXTENSION, Encoding.GSM7),
    ("é ñ Ñ ü ¿ ¡ @£$¥ ÄÖÜ §à\r\n", Encoding.GSM7),
    (SPANISH, Encoding.UCS2),  # á í ó ú are not in the default alphabet
    ("ç", Encoding.UCS2),      # only the capital Ç is
    ("Vamos 🎉", Encoding.UCS2),
    ("", Encoding.GSM7),
])
def test_round_trips(text, encoding):
    assert choose_encoding(text) == encoding
    (sent,) = send(text)
    assert sent == Submit("+34600123456", text, encoding, None)
    got = decode_deliver(encode_deliver("+34600123456", text, WHEN))
    assert got == Deliver("+34600123456", text, WHEN, encoding, None)


@pytest.mark.parametrize("ch", ["á", "í", "ó", "ú", "Á", "Í", "Ó", "Ú"])
def test_spanish_vowels_with_acute_need_ucs2(ch):
    assert choose_encoding(f"Hola {ch}") is Encoding.UCS2


def test_emoji_survives_as_a_surrogate_pair():
    (pdu,) = encode_submit("+34600123456", "🎉", ref=0)
    assert pdu.hex.endswith("04D83CDF89")  # UDL 4 octets: one UTF-16 surrogate pair
    assert decode_submit(pdu.hex).text == "🎉"


def test_national_number_uses_unknown_type():
    (pdu,) = encode_submit("600123456", "x", ref=0)
    assert pdu.hex.startswith("0011000981" + "06103254F6")
    assert decode_submit(pdu.hex).destination == "600123456"


# --- lengths and splitting ---

@pytest.mark.parametrize(("text", "sizes"), [
    ("a" * 160, [160]),
    ("a" * 161, [153, 8]),
    ("a" * (153 * 2 + 1), [153, 153, 1]),
    ("€" * 80, [80]),                 # 160 septets: extension characters cost two
    ("€" * 80 + "a", [76, 5]),        # 76 € = 152 septets, the next € needs 2 more
    ("á" * 70, [70]),
    ("á" * 71, [67, 4]),
    ("á" * (67 * 2 + 1), [67, 67, 1]),
    ("", [0]),
])
def test_split_boundaries(text, sizes):
    parts = split_text(text, choose_encoding(text))
    assert [len(p) for p in parts] == sizes
    assert "".join(parts) == text
    assert len(encode_submit("+34600123456", text, ref=1)) == len(sizes)


def test_user_data_length_at_the_limits():
    (single,) = encode_submit("+34600123456", "€" * 80, ref=0)
    assert udl(single) == 160
    first, second = encode_submit("+34600123456", "a" * 161, ref=0)
    assert udl(first) == 160  # 7 septets of header (6 octets + 1 fill bit) + 153
    assert udl(second) == 7 + 8
    ucs2_first, _ = encode_submit("+34600123456", "á" * 71, ref=0)
    assert udl(ucs2_first) == 140  # 6 header octets + 67 * 2


def test_escape_pair_is_never_split():
    text = "a" * 152 + "€" + "b" * 10  # the € would take septets 153 and 154
    first, second = send(text)
    assert first.text == "a" * 152
    assert second.text == "€" + "b" * 10


def test_surrogate_pair_is_never_split():
    text = "á" * 66 + "🎉" + "b" * 5  # the emoji would take units 67 and 68
    first, second = send(text)
    assert first.text == "á" * 66
    assert second.text == "🎉bbbbb"


def test_concat_header_parsed_back():
    pdus = encode_submit("+34600123456", "x" * 400, ref=0x1234)
    assert [p.hex[2:4] for p in pdus] == ["51"] * 3  # UDHI set
    assert [decode_submit(p.hex).concat for p in pdus] == [
        Concat(ref=0x34, total=3, seq=s) for s in (1, 2, 3)]
    assert "".join(decode_submit(p.hex).text for p in pdus) == "x" * 400
    assert all(p.tpdu_length == len(p.hex) // 2 - 1 for p in pdus)


def test_sixteen_bit_reference_round_trip():
    hex_pdu = encode_deliver("+34600123456", "Hola", WHEN, concat=Concat(300, 2, 2))
    assert "060804012C0202" in hex_pdu  # UDHL 6, IEI 08, ref 012C, total 2, seq 2
    assert decode_deliver(hex_pdu).concat == Concat(ref=300, total=2, seq=2)


def test_too_many_parts_or_foreign_characters_refused():
    with pytest.raises(PduError, match="255"):
        encode_submit("+34600123456", "a" * (153 * 256), ref=0)
    with pytest.raises(PduError, match="GSM 7-bit"):
        split_text("Ação", Encoding.GSM7)


@pytest.mark.parametrize("destination", ["", "+", "+34 600", "600-123", "1" * 21, "abc"])
def test_bad_destinations_refused(destination):
    with pytest.raises(PduError, match="not a phone number"):
        encode_submit(destination, "hi", ref=0)


# --- SMS-DELIVER specifics ---

@pytest.mark.parametrize("sender", ["A", "Bank", "Movistar", "Switchboard", "€uro", "Op5433"])
def test_alphanumeric_sender(sender):
    hex_pdu = encode_deliver(sender, "Saldo", WHEN)
    assert hex_pdu[20:22] == "D0"  # after SMSC (8 octets), first octet, address length
    assert decode_deliver(hex_pdu).sender == sender


def test_alphanumeric_sender_type_octet():
    hex_pdu = encode_deliver("Switchboard", "Hi", WHEN, smsc=None)
    assert hex_pdu.startswith("00" + "04" + "14D0")  # 20 semi-octets = 11 septets


def test_alphanumeric_sender_too_long():
    with pytest.raises(PduError, match="1-11 septets"):
        encode_deliver("Switchboard!", "Hi", WHEN)


@pytest.mark.parametrize(("zone", "tz_octet"), [
    (BUENOS_AIRES, "29"),  # -12 quarters: digits swapped to 21, sign bit 0x08
    (MADRID, "80"),        # +8 quarters
    (KATHMANDU, "32"),     # +23 quarters
    (UTC, "00"),
])
def test_timestamp_zones(zone, tz_octet):
    when = datetime(2024, 12, 31, 23, 59, 58, tzinfo=zone)
    hex_pdu = encode_deliver("+34600123456", "x", when, smsc=None)
    assert hex_pdu[24:38] == "422113329585" + tz_octet  # after 00 04 <address> 00 00
    got = decode_deliver(hex_pdu).timestamp
    assert got == when
    assert got.utcoffset() == zone.utcoffset(None)


def test_timestamp_must_be_aware_and_in_range():
    with pytest.raises(PduError, match="aware"):
        encode_deliver("+34600123456", "x", datetime(2024, 5, 1, 10, 0))
    with pytest.raises(PduError, match="SCTS"):
        encode_deliver("+34600123456", "x",
                       datetime(2024, 5, 1, tzinfo=timezone(timedelta(minutes=10))))


def test_smsc_part():
    assert encode_deliver("+34600123456", "x", WHEN).startswith("07914306090999F9")
    assert encode_deliver("+34600123456", "x", WHEN, smsc=None).startswith("0004")


def test_deliver_part_must_fit_and_can_keep_the_whole_message_encoding():
    with pytest.raises(PduError, match="max 160"):
        encode_deliver("+34600123456", "a" * 161, WHEN)
    with pytest.raises(PduError, match="max 160"):
        encode_deliver("+34600123456", "a" * 154, WHEN, concat=Concat(1, 2, 1))
    got = decode_deliver(encode_deliver("+34600123456", "plain", WHEN, encoding=Encoding.UCS2))
    assert (got.text, got.encoding) == ("plain", Encoding.UCS2)


def test_multipart_deliveries_built_with_split_text():
    text = SPANISH * 5
    parts = split_text(text, choose_encoding(text))
    pdus = [encode_deliver("+34600123456", part, WHEN, concat=Concat(9, len(parts), seq),
                           encoding=Encoding.UCS2) for seq, part in enumerate(parts, 1)]
    r = Reassembler()
    results = [r.add(decode_deliver(p), now=0) for p in reversed(pdus)]
    assert results[:-1] == [None] * (len(parts) - 1)
    assert results[-1] == Deliver("+34600123456", text, WHEN, Encoding.UCS2, None)


def deliver_hex(dcs: str, user_data: str, first: str = "04") -> str:
    """A hand-built DELIVER: no SMSC, sender +34600123456, PID 00, SCTS 2024-05-01 10:22:33+02."""
    return "00" + first + "0B914306103254F6" + "00" + dcs + "42501001223380" + user_data


@pytest.mark.parametrize(("dcs", "user_data", "text", "encoding"), [
    ("04", "0348E921", "Hé!", Encoding.EIGHT_BIT),   # 8-bit data read as latin-1
    ("F4", "0348E921", "Hé!", Encoding.EIGHT_BIT),   # 8-bit, message class 0
    ("10", "04C8373B0C", "Hola", Encoding.GSM7),     # GSM7, class 0 (flash)
    ("F1", "04C8373B0C", "Hola", Encoding.GSM7),     # GSM7, class 1, coding group F
    ("18", "0400E100E9", "áé", Encoding.UCS2),       # UCS-2, class 0
    ("E8", "0400E100E9", "áé", Encoding.UCS2),       # voicemail indication, UCS-2
    ("D0", "04C8373B0C", "Hola", Encoding.GSM7),     # voicemail indication, GSM7
])
def test_data_coding_schemes(dcs, user_data, text, encoding):
    got = decode_deliver(deliver_hex(dcs, user_data))
    assert (got.text, got.encoding) == (text, encoding)


def test_unknown_escape_shows_the_default_character():
    # ESC then 'A' (0x41) is not in the extension table: 23.038 says show 'A'.
    # Septets 1B 41 pack to 9B (0x41 bit 0 | 0x1B) and 20 (0x41 >> 1).
    assert decode_deliver(deliver_hex("00", "029B20")).text == "A"


def test_irrelevant_udh_elements_are_skipped():
    # UDH: IE 0x24 (national language, 1 octet) then an 8-bit concat IE; UCS-2 "A".
    user_data = "0B" + "08" + "240101" + "0003050302" + "0041"
    got = decode_deliver(deliver_hex("08", user_data, first="44"))
    assert (got.text, got.concat) == ("A", Concat(ref=5, total=3, seq=2))


def test_eight_bit_data_after_a_header():
    got = decode_deliver(deliver_hex("04", "07" + "050003010201" + "41", first="44"))
    assert (got.text, got.encoding, got.concat) == ("A", Encoding.EIGHT_BIT, Concat(1, 2, 1))


def test_concat_element_with_seq_zero_is_ignored():
    got = decode_deliver(deliver_hex("08", "08" + "050003050300" + "0041", first="44"))
    assert (got.text, got.concat) == ("A", None)


# --- malformed input ---

def all_prefixes(hex_pdu: str) -> list[str]:
    return [hex_pdu[:n] for n in range(0, len(hex_pdu), 2)]


@pytest.mark.parametrize("prefix", all_prefixes(encode_deliver(
    "Bank", "Hola €", WHEN, concat=Concat(300, 2, 1))) + all_prefixes(encode_deliver(
        "+34600123456", "Sí", WHEN, concat=Concat(3, 2, 2))))
def test_every_truncated_deliver_is_a_pdu_error(prefix):
    with pytest.raises(PduError):
        decode_deliver(prefix)


LONG_SUBMIT = encode_submit("+34600123456", "a" * 200, ref=1)[0].hex


@pytest.mark.parametrize("prefix", all_prefixes(LONG_SUBMIT))
def test_every_truncated_submit_is_a_pdu_error(prefix):
    with pytest.raises(PduError):
        decode_submit(prefix)


@pytest.mark.parametrize(("hex_pdu", "message"), [
    ("not hex", "not valid hex"),
    (encode_submit("+34600123456", "hi", ref=0)[0].hex, "not an SMS-DELIVER"),
    (deliver_hex("00", "04C8373B0C") + "00", "unexpected octet"),
    (deliver_hex("00", "A1" + "00" * 141), "exceeds 160"),
    (deliver_hex("08", "8D" + "00" * 141), "exceeds 140"),
    (deliver_hex("24", "0100"), "compressed"),
    (deliver_hex("08", "0205" + "00", first="44"), "overruns the user data"),
    (deliver_hex("08", "04030003" + "05", first="44"), "truncated information element"),
    (deliver_hex("00", "06050003010201", first="44"), "overruns TP-UDL"),
    (deliver_hex("08", "00", first="44"), "UDHI set but the user data is empty"),
    ("0004" + "0B914306103254F6" + "0000" + "425010012233A0" + "00", "not BCD"),
    ("0004" + "0B914306103254F6" + "0000" + "42310112233380" + "00", "not a valid date"),
    ("0004" + "0B91F306103254F6" + "0000" + "42501001223380" + "00", "filler nibble"),
])
def test_malformed_deliver(hex_pdu, message):
    with pytest.raises(PduError, match=message):
        decode_deliver(hex_pdu)


def test_submit_decoder_refuses_a_deliver():
    with pytest.raises(PduError, match="not an SMS-SUBMIT"):
        decode_submit(encode_deliver("+34600123456", "x", WHEN))


def test_pdu_error_is_a_value_error():
    with pytest.raises(ValueError, match="truncated"):
        decode_deliver("00")


# --- reassembly ---

def parts(text_parts: list[str], sender: str = "+34600123456", ref: int = 1,
          start: datetime = WHEN) -> list[Deliver]:
    total = len(text_parts)
    return [Deliver(sender, t, start + timedelta(seconds=seq), Encoding.GSM7,
                    Concat(ref, total, seq)) for seq, t in enumerate(text_parts, 1)]


def test_single_part_passes_straight_through():
    msg = Deliver("+34600123456", "hi", WHEN, Encoding.GSM7, None)
    assert Reassembler().add(msg, now=0) is msg


def test_out_of_order_parts():
    one, two, three = parts(["Hola ", "qué ", "tal"])
    r = Reassembler()
    assert r.add(three, now=0) is None
    assert r.add(one, now=1) is None
    whole = r.add(two, now=2)
    assert whole == Deliver("+34600123456", "Hola qué tal", one.timestamp, Encoding.GSM7, None)


def test_duplicates_are_ignored():
    one, two = parts(["ab", "cd"])
    r = Reassembler()
    assert r.add(one, now=0) is None
    assert r.add(one, now=1) is None
    assert r.add(replace(one, text="XX"), now=1) is None  # the first copy of a part wins
    assert r.add(two, now=2).text == "abcd"
    assert r.add(two, now=3) is None  # a late network retry of a delivered part
    assert r.expire(now=10_000) == []  # ...did not open a set that surfaces as a fragment


def test_completed_sets_are_forgotten_at_expiry():
    one, two = parts(["ab", "cd"])
    r = Reassembler()
    r.add(one, now=0)
    r.add(two, now=0)
    assert r.expire(now=3600) == []
    # Memory of the delivered set is gone: the same part now opens a new set.
    assert r.add(one, now=3601) is None
    assert r.add(two, now=3602).text == "abcd"


def test_a_reused_reference_is_a_new_message():
    r = Reassembler()
    for p in parts(["ab", "cd"]):
        r.add(p, now=0)
    first, second = parts(["ef", "gh"], start=WHEN + timedelta(hours=1))
    assert r.add(first, now=5) is None
    assert r.add(second, now=6).text == "efgh"


def test_interleaved_messages_keep_apart():
    a1, a2 = parts(["A1", "A2"], sender="+34600000001", ref=5)
    b1, b2 = parts(["B1", "B2"], sender="+34600000002", ref=5)
    c1, c2 = parts(["C1", "C2"], sender="+34600000001", ref=6)
    r = Reassembler()
    results = [r.add(m, now=i) for i, m in enumerate([a1, b2, c2, b1, c1, a2])]
    assert [m.text if m else None for m in results] == [None, None, None, "B1B2", "C1C2", "A1A2"]
    assert [m.sender for m in results if m] == ["+34600000002", "+34600000001", "+34600000001"]


def test_expiry_returns_what_arrived_with_markers():
    one, _missing, three = parts(["Hola ", "qué ", "tal"])
    r = Reassembler()
    r.add(three, now=100)
    r.add(one, now=200)
    assert r.expire(now=3699) == []
    (partial,) = r.expire(now=3700)
    assert partial == Deliver("+34600123456", "Hola [\u2026]tal", one.timestamp,
                              Encoding.GSM7, None)
    assert r.expire(now=99_999) == []  # given up once, not reported again


def test_expiry_without_the_first_part_and_custom_age():
    _, two, three = parts(["x", "y", "z"])
    r = Reassembler()
    r.add(three, now=0)
    r.add(two, now=1)
    (partial,) = r.expire(now=60, max_age_s=60)
    assert partial.text == "[\u2026]yz"
    assert partial.timestamp == two.timestamp  # the earliest part that did arrive
