"""SMS PDU codec (3GPP TS 23.040 / 23.038) for modems in PDU mode (``AT+CMGF=0``).

Why PDU mode at all: text mode cannot carry the concatenation header, cannot tell a
multi-line body from the next response line and needs vendor-specific UCS-2 quirks
(reference at-commands.md §6.4). This module is pure (hex in, dataclasses out) so the
driver, the fake modem and the tests share one exact codec.

What we send: SMS-SUBMIT with TP-MR 00 (the modem assigns the reference), no status
report, and a *relative* validity period of 0xA7 (24 h), the same as the text-mode
``AT+CSMP=17,167`` default and the reference's worked examples. Long texts get an 8-bit
reference concatenation header. Decoding is strict about structure (lengths, headers,
timestamps: anything wrong is a :class:`PduError`, never an ``IndexError``) and lenient
about content (broken UTF-16 becomes U+FFFD rather than losing the message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from enum import StrEnum


class PduError(ValueError):
    """A PDU that cannot be decoded, or text/addresses that cannot be encoded.

    A ValueError so generic input validation still catches it; modem output is untrusted,
    so every short read is reported with the field it was reading.
    """


class Encoding(StrEnum):
    """The alphabet of a message body (TP-DCS)."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"
    EIGHT_BIT = "8bit"  # decode only: binary/8-bit data arrives from some senders; never sent


@dataclass(frozen=True)
class Concat:
    """One part of a concatenated message (UDH IEI 0x00 with 8-bit ref or 0x08 with 16-bit)."""

    ref: int
    total: int
    seq: int  # 1-based


@dataclass(frozen=True)
class SubmitPdu:
    """What ``AT+CMGS`` sends in PDU mode."""

    hex: str          # full PDU including the leading SMSC part ("00" = use the SIM's SMSC)
    tpdu_length: int  # the <n> of AT+CMGS=<n>: octets after the SMSC part


@dataclass(frozen=True)
class Deliver:
    """An SMS-DELIVER received (``+CMT`` / ``AT+CMGR`` / ``AT+CMGL`` in PDU mode)."""

    sender: str          # "+34600123456" (TON 1), bare digits otherwise, or decoded alphanumeric
    text: str
    timestamp: datetime  # aware, from the SCTS and its quarter-hour zone
    encoding: Encoding
    concat: Concat | None


@dataclass(frozen=True)
class Submit:
    """A decoded SMS-SUBMIT: lets the fake modem read what the driver sent."""

    destination: str
    text: str
    encoding: Encoding
    concat: Concat | None


# --- constant tables (23.038 §6.2.1 default alphabet and §6.2.1.1 extension table) ---

_GSM7_DEFAULT = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_ESC = 0x1B
_GSM7_INDEX = {ch: code for code, ch in enumerate(_GSM7_DEFAULT) if code != _ESC}
_GSM7_EXT = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
             "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65}
_GSM7_EXT_REV = {code: ch for ch, code in _GSM7_EXT.items()}
_SEMI_OCTETS = "0123456789*#abc"  # nibble values 0-14; 15 (F) is the odd-length filler
_NUMBER = re.compile(r"\+?[0-9*#]{1,20}")
_DCS = {Encoding.GSM7: 0x00, Encoding.UCS2: 0x08}
_SINGLE_LIMIT = {Encoding.GSM7: 160, Encoding.UCS2: 70}  # septets / UTF-16 units
_PART_LIMIT = {Encoding.GSM7: 153, Encoding.UCS2: 67}    # after a 6-octet concat UDH
_MAX_UD_OCTETS = 140
_VP_RELATIVE_24H = 0xA7
_VP_LENGTHS = (0, 7, 1, 7)  # by TP-VPF: absent, enhanced, relative, absolute
_MISSING = "[\u2026]"        # stands in for parts that never arrived


# --- public API ---

def choose_encoding(text: str) -> Encoding:
    """GSM7 when every character is in the default alphabet or its extension table.

    Anything else (á í ó ú, emoji, CJK...) makes the whole message UCS-2: national
    shift tables need a language UDH that handsets support unreliably (reference §6.4).
    """
    if all(ch in _GSM7_INDEX or ch in _GSM7_EXT for ch in text):
        return Encoding.GSM7
    return Encoding.UCS2


def split_text(text: str, encoding: Encoding) -> list[str]:
    """The part texts of a message: one part up to 160 septets / 70 UTF-16 units,
    else parts of at most 153 / 67 (room for the concatenation header).

    Splitting on whole characters is what keeps an escape pair (``€`` = ESC 0x65) or a
    surrogate pair (emoji) from straddling two parts. Shared with the fake modem so its
    multipart deliveries split exactly like ours. PduError if ``encoding`` cannot carry
    the text (use :func:`choose_encoding`).
    """
    if encoding not in _DCS:
        raise PduError(f"cannot encode text as {encoding}")
    costs = [_cost(ch, encoding) for ch in text]
    if sum(costs) <= _SINGLE_LIMIT[encoding]:
        return [text]
    parts: list[str] = []
    start = used = 0
    for i, cost in enumerate(costs):
        if used + cost > _PART_LIMIT[encoding]:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts


def encode_submit(destination: str, text: str, *, ref: int) -> list[SubmitPdu]:
    """The PDUs ``AT+CMGS`` must send for ``text``: one, or several with an 8-bit
    reference (``ref & 0xFF``) concatenation header. First octet 0x11 / 0x51 (UDHI):
    SMS-SUBMIT, relative validity period, no status report requested."""
    encoding = choose_encoding(text)
    parts = split_text(text, encoding)
    if len(parts) > 255:
        raise PduError(f"message needs {len(parts)} parts; at most 255 are possible")
    address = _encode_number(destination, "destination")
    pdus = []
    for seq, part in enumerate(parts, 1):
        concat = Concat(ref & 0xFF, len(parts), seq) if len(parts) > 1 else None
        udl, ud = _encode_ud(part, encoding, _udh(concat))
        first = 0x11 | (0x40 if concat else 0)
        tpdu = (bytes([first, 0x00]) + address
                + bytes([0x00, _DCS[encoding], _VP_RELATIVE_24H, udl]) + ud)
        pdus.append(SubmitPdu(hex="00" + tpdu.hex().upper(), tpdu_length=len(tpdu)))
    return pdus


def decode_submit(hex_pdu: str) -> Submit:
    """Decode an SMS-SUBMIT with its leading SMSC part; any TP-VP format is skipped."""
    r = _Reader(_unhex(hex_pdu))
    r.take(r.octet("SMSC length"), "SMSC address")
    first = r.octet("first octet")
    if first & 0x03 != 0x01:
        raise PduError(f"not an SMS-SUBMIT (first octet {first:02X})")
    r.octet("TP-MR")
    destination = _read_address(r, "destination address")
    r.octet("TP-PID")
    dcs = r.octet("TP-DCS")
    r.take(_VP_LENGTHS[(first >> 3) & 0x03], "TP-VP")
    text, encoding, concat = _decode_ud(r, dcs, udhi=bool(first & 0x40))
    r.finish()
    return Submit(destination, text, encoding, concat)


def encode_deliver(sender: str, text: str, timestamp: datetime, *,
                   concat: Concat | None = None, smsc: str | None = "+34609090999",
                   encoding: Encoding | None = None) -> str:
    """One SMS-DELIVER PDU as a modem would report it: for the fake modem and tests.

    ``sender`` is a number ("+..." or digits) or an alphanumeric name (TON 5). Long texts
    are the caller's job (:func:`split_text`); pass ``encoding`` to keep every part in the
    whole message's alphabet, as a real phone does. Raises PduError if it does not fit.
    """
    encoding = encoding or choose_encoding(text)
    if encoding not in _DCS:
        raise PduError(f"cannot encode text as {encoding}")
    udl, ud = _encode_ud(text, encoding, _udh(concat))
    smsc_part = b"\x00" if smsc is None else _smsc_part(smsc)
    first = 0x04 | (0x40 if concat else 0)  # MTI DELIVER, TP-MMS "no more messages"
    pdu = (smsc_part + bytes([first]) + _encode_sender(sender)
           + bytes([0x00, _DCS[encoding]]) + _encode_scts(timestamp) + bytes([udl]) + ud)
    return pdu.hex().upper()


def decode_deliver(hex_pdu: str) -> Deliver:
    """Decode an SMS-DELIVER (the SMSC part included, as modems report it)."""
    r = _Reader(_unhex(hex_pdu))
    r.take(r.octet("SMSC length"), "SMSC address")
    first = r.octet("first octet")
    if first & 0x03 != 0x00:
        raise PduError(f"not an SMS-DELIVER (first octet {first:02X})")
    sender = _read_address(r, "originating address")
    r.octet("TP-PID")
    dcs = r.octet("TP-DCS")
    timestamp = _decode_scts(r.take(7, "TP-SCTS"))
    text, encoding, concat = _decode_ud(r, dcs, udhi=bool(first & 0x40))
    r.finish()
    return Deliver(sender, text, timestamp, encoding, concat)


class Reassembler:
    """Collects parts of concatenated messages; returns the whole text when the last part
    arrives, in any order.

    Parts are grouped by (sender, ref, total), as the reference recommends: refs are only
    8 bits, so the sender and part count are what keep two long messages apart. Completed
    sets are remembered until :meth:`expire` so that a late duplicate part (networks retry)
    is dropped instead of opening a set that would later surface as a bogus fragment.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[str, int, int], tuple[float, dict[int, Deliver]]] = {}
        self._done: dict[tuple[str, int, int], tuple[float, dict[int, Deliver]]] = {}

    def add(self, msg: Deliver, *, now: float) -> Deliver | None:
        """The complete message (concat=None, parts joined in seq order, timestamp of
        part 1) once all parts are in; None while waiting or for a duplicate part.
        A single-part message is returned as is."""
        if msg.concat is None:
            return msg
        key = (msg.sender, msg.concat.ref, msg.concat.total)
        done = self._done.get(key)
        if done and done[1].get(msg.concat.seq) == msg:
            return None
        _started, parts = self._pending.setdefault(key, (now, {}))
        parts.setdefault(msg.concat.seq, msg)  # the first copy of a part wins
        if len(parts) < msg.concat.total:
            return None
        del self._pending[key]
        self._done[key] = (now, parts)
        return _join(parts, msg.concat.total)

    @staticmethod
    def key(msg: Deliver) -> tuple[str, int, int] | None:
        """The set a part belongs to; None for a single-part message."""
        return None if msg.concat is None else (msg.sender, msg.concat.ref, msg.concat.total)

    def is_done(self, key: tuple[str, int, int] | None) -> bool:
        """Whether that set was already returned whole (so a part of it is a late duplicate)."""
        return key in self._done

    def waiting(self, key: tuple[str, int, int] | None) -> bool:
        return key in self._pending

    def expire(self, now: float, max_age_s: float = 3600) -> list[Deliver]:
        """Give up on sets whose first part arrived ``max_age_s`` or more ago: return what
        did arrive, joined, with "[…]" for each missing part, so nothing is lost silently."""
        self._done = {k: v for k, v in self._done.items() if now - v[0] < max_age_s}
        stale = [k for k, (started, _) in self._pending.items() if now - started >= max_age_s]
        return [_join(self._pending.pop(key)[1], key[2]) for key in stale]


# --- helpers ---

def _join(parts: dict[int, Deliver], total: int) -> Deliver:
    """Concatenate parts in seq order; the earliest present part supplies the metadata."""
    text = "".join(parts[s].text if s in parts else _MISSING for s in range(1, total + 1))
    return replace(parts[min(parts)], text=text, concat=None)


class _Reader:
    """Bounds-checked cursor over a PDU: a short read names the field it was reading."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise PduError(f"truncated PDU: {what} needs {n} octet(s) at offset {self.pos}, "
                           f"{len(self.data) - self.pos} left")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def octet(self, what: str) -> int:
        return self.take(1, what)[0]

    def finish(self) -> None:
        if self.pos != len(self.data):
            raise PduError(f"{len(self.data) - self.pos} unexpected octet(s) after the user data")


def _unhex(hex_pdu: str) -> bytes:
    try:
        return bytes.fromhex(hex_pdu.strip())
    except ValueError as exc:
        raise PduError(f"PDU is not valid hex: {exc}") from exc


def _cost(ch: str, encoding: Encoding) -> int:
    """Septets (GSM7) or UTF-16 code units (UCS-2) that one character takes."""
    if encoding is Encoding.UCS2:
        return 2 if ord(ch) > 0xFFFF else 1
    if ch in _GSM7_INDEX:
        return 1
    if ch in _GSM7_EXT:
        return 2
    raise PduError(f"{ch!r} is not in the GSM 7-bit alphabet")


def _to_septets(text: str) -> list[int]:
    septets: list[int] = []
    for ch in text:
        if _cost(ch, Encoding.GSM7) == 1:
            septets.append(_GSM7_INDEX[ch])
        else:
            septets += (_ESC, _GSM7_EXT[ch])
    return septets


def _from_septets(septets: list[int]) -> str:
    """Unknown escape codes show the default-table character, as 23.038 §6.2.1.1 asks."""
    chars: list[str] = []
    escaped = False
    for s in septets:
        if escaped:
            chars.append(_GSM7_EXT_REV.get(s, " " if s == _ESC else _GSM7_DEFAULT[s]))
            escaped = False
        elif s == _ESC:
            escaped = True
        else:
            chars.append(_GSM7_DEFAULT[s])
    return "".join(chars)


def _pack7(septets: list[int]) -> bytes:
    """Pack septets LSB-first into octets (23.038 §6.1.2.1)."""
    out = bytearray()
    acc = nbits = 0
    for s in septets:
        acc |= s << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc)
    return bytes(out)


def _unpack7(data: bytes, count: int) -> list[int]:
    if len(data) * 8 < count * 7:
        raise PduError(f"{count} septets need {(count * 7 + 7) // 8} octets, got {len(data)}")
    value = int.from_bytes(data, "little")
    return [(value >> (7 * i)) & 0x7F for i in range(count)]


def _udh(concat: Concat | None) -> bytes:
    """The user data header for a part: 8-bit ref IE when the ref fits, else 16-bit."""
    if concat is None:
        return b""
    if not (0 <= concat.ref <= 0xFFFF and 1 <= concat.seq <= concat.total <= 255):
        raise PduError(f"invalid concatenation {concat}")
    if concat.ref <= 0xFF:
        ie = bytes([0x00, 3, concat.ref, concat.total, concat.seq])
    else:
        ie = bytes([0x08, 4, concat.ref >> 8, concat.ref & 0xFF, concat.total, concat.seq])
    return bytes([len(ie)]) + ie


def _header_septets(udh_octets: int) -> int:
    """Septets the UDH occupies, fill bits included, so the text starts septet-aligned."""
    return (udh_octets * 8 + 6) // 7


def _encode_ud(text: str, encoding: Encoding, udh: bytes) -> tuple[int, bytes]:
    """(TP-UDL, TP-UD): UDL counts septets for GSM7 (header included), else octets."""
    if encoding is Encoding.GSM7:
        septets = [0] * _header_septets(len(udh)) + _to_septets(text)
        if len(septets) > 160:
            raise PduError(f"text needs {len(septets)} septets with its header; max 160")
        # The header septets are zero bits, so the packed UDH octets can simply be overwritten.
        return len(septets), udh + _pack7(septets)[len(udh):]
    body = text.encode("utf-16-be")
    if len(udh) + len(body) > _MAX_UD_OCTETS:
        raise PduError(f"text needs {len(udh) + len(body)} octets with its header; max 140")
    return len(udh) + len(body), udh + body


def _decode_ud(r: _Reader, dcs: int, *, udhi: bool) -> tuple[str, Encoding, Concat | None]:
    encoding = _dcs_encoding(dcs)
    udl = r.octet("TP-UDL")
    limit = 160 if encoding is Encoding.GSM7 else _MAX_UD_OCTETS
    if udl > limit:
        raise PduError(f"TP-UDL {udl} exceeds {limit} for {encoding}")
    ud = r.take((udl * 7 + 7) // 8 if encoding is Encoding.GSM7 else udl, "user data")
    concat, udh_octets = None, 0
    if udhi:
        if not ud:
            raise PduError("UDHI set but the user data is empty")
        udh_octets = 1 + ud[0]
        if udh_octets > len(ud):
            raise PduError(f"user data header of {udh_octets} octets overruns the user data")
        concat = _parse_udh(ud[1:udh_octets])
    if encoding is Encoding.GSM7:
        skip = _header_septets(udh_octets)
        if skip > udl:
            raise PduError(f"user data header overruns TP-UDL {udl}")
        text = _from_septets(_unpack7(ud, udl)[skip:])
    elif encoding is Encoding.UCS2:
        text = ud[udh_octets:].decode("utf-16-be", "replace")
    else:
        text = ud[udh_octets:].decode("latin-1")
    return text, encoding, concat


def _parse_udh(header: bytes) -> Concat | None:
    """Find a concatenation IE; other IEs are skipped, and a concat IE with total 0 or seq
    out of range is ignored, as 23.040 §9.2.3.24.1 requires."""
    concat, i = None, 0
    while i < len(header):
        if i + 2 > len(header) or i + 2 + header[i + 1] > len(header):
            raise PduError(f"truncated information element at UDH offset {i}")
        iei, data = header[i], header[i + 2:i + 2 + header[i + 1]]
        i += 2 + len(data)
        if iei == 0x00 and len(data) == 3:
            ref, total, seq = data
        elif iei == 0x08 and len(data) == 4:
            ref, total, seq = data[0] << 8 | data[1], data[2], data[3]
        else:
            continue
        if 1 <= seq <= total:
            concat = Concat(ref, total, seq)
    return concat


def _dcs_encoding(dcs: int) -> Encoding:
    """Alphabet from TP-DCS (23.038 §4). Message class and waiting-indication bits don't
    change the text; reserved alphabets and groups are read as GSM7, as the spec says."""
    group = dcs >> 4
    if group <= 0x7:  # general data coding, incl. the "automatic deletion" groups
        if dcs & 0x20:
            raise PduError(f"compressed user data (DCS {dcs:02X}) is not supported")
        alphabet = (dcs >> 2) & 0x03
    elif group == 0xE:  # message waiting indication, store, UCS-2
        alphabet = 2
    elif group == 0xF:  # data coding / message class
        alphabet = (dcs >> 2) & 0x01
    else:
        alphabet = 0
    return {1: Encoding.EIGHT_BIT, 2: Encoding.UCS2}.get(alphabet, Encoding.GSM7)


def _encode_number(number: str, what: str) -> bytes:
    """Address field: digit count, TON/NPI (0x91 international, 0x81 unknown), semi-octets."""
    if not _NUMBER.fullmatch(number):
        raise PduError(f"{what} {number!r} is not a phone number (optional +, 1-20 digits)")
    digits = number.lstrip("+")
    nibbles = [_SEMI_OCTETS.index(d) for d in digits] + [0xF] * (len(digits) % 2)
    swapped = bytes(lo | hi << 4 for lo, hi in zip(nibbles[::2], nibbles[1::2], strict=True))
    return bytes([len(digits), 0x91 if number.startswith("+") else 0x81]) + swapped


def _smsc_part(smsc: str) -> bytes:
    """The SMSC prefix counts octets (TON/NPI included), not digits as addresses do."""
    field = _encode_number(smsc, "SMSC")[1:]
    return bytes([len(field)]) + field


def _encode_sender(sender: str) -> bytes:
    """A number, or an alphanumeric name packed as GSM7 (TON 5) counting semi-octets."""
    if _NUMBER.fullmatch(sender):
        return _encode_number(sender, "sender")
    septets = _to_septets(sender)
    if not 1 <= len(septets) <= 11:
        raise PduError(f"alphanumeric sender {sender!r} must be 1-11 septets")
    return bytes([(len(septets) * 7 + 3) // 4, 0xD0]) + _pack7(septets)


def _read_address(r: _Reader, what: str) -> str:
    length = r.octet(f"{what} length")
    ton = (r.octet(f"{what} type") >> 4) & 0x07
    raw = r.take((length + 1) // 2, what)
    if ton == 5:  # alphanumeric: length counts semi-octets of packed septets
        return _from_septets(_unpack7(raw, length * 4 // 7))
    nibbles = [b >> shift & 0x0F for b in raw for shift in (0, 4)][:length]
    if 0x0F in nibbles:
        raise PduError(f"{what}: filler nibble F inside the number")
    digits = "".join(_SEMI_OCTETS[n] for n in nibbles)
    return "+" + digits if ton == 1 and digits else digits


def _encode_scts(ts: datetime) -> bytes:
    """Service-centre timestamp: swapped BCD, zone in quarter hours, sign in bit 3."""
    offset = ts.utcoffset()
    if offset is None:
        raise PduError("timestamp must be timezone-aware")
    quarters, rest = divmod(int(offset.total_seconds()), 900)
    if rest or abs(quarters) > 79 or not 2000 <= ts.year <= 2099:
        raise PduError(f"timestamp {ts.isoformat()} cannot be expressed in an SCTS")
    fields = (ts.year % 100, ts.month, ts.day, ts.hour, ts.minute, ts.second, abs(quarters))
    octets = bytearray((v % 10) << 4 | v // 10 for v in fields)
    if quarters < 0:
        octets[6] |= 0x08
    return bytes(octets)


def _decode_scts(raw: bytes) -> datetime:
    negative = bool(raw[6] & 0x08)
    values = []
    for i, octet in enumerate(raw):
        bcd = octet & ~0x08 if i == 6 else octet  # the zone's sign bit is not a digit
        if bcd & 0x0F > 9 or bcd >> 4 > 9:
            raise PduError(f"TP-SCTS octet {i + 1} ({octet:02X}) is not BCD")
        values.append((bcd & 0x0F) * 10 + (bcd >> 4))
    yy, month, day, hour, minute, second, quarters = values
    zone = timezone(timedelta(minutes=15 * (-quarters if negative else quarters)))
    try:
        return datetime(2000 + yy, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as exc:
        raise PduError(f"TP-SCTS is not a valid date/time: {exc}") from exc
