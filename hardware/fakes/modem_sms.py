"""SMS in the fake modem: the SIM message store, ``+CMTI``/``+CMT``, and ``AT+CMGS`` entry.

PDUs are built and read with the driver's own codec (``hardware.modem.pdu``), imported
lazily so the voice side of the fake works on its own. Long messages arrive as separate
parts, possibly out of order, exactly as a network delivers them (reference §6.4); sent
multipart messages are joined by (destination, reference, total) before they are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hardware.modem.dialects import Dialect

from .modem_commands import Handler, args, int_arg
from .modem_core import Core, Reply

SMSC = "+34609090999"
_STAT_TEXT = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT"}
_TEXT_STAT = {v: k for k, v in _STAT_TEXT.items()}
_CMGD_FLAGS = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}
_SIM_CMS = {10: 310, 11: 311, 12: 316, 14: 314}


@dataclass
class Stored:
    """One SIM slot: the PDU as delivered plus its text-mode view."""

    stat: int
    pdu: str
    sender: str
    text: str
    timestamp: datetime

    @property
    def tpdu_length(self) -> int:
        """The <length> of +CMGR/+CMGL/+CMT: octets after the SMSC part."""
        return len(self.pdu) // 2 - 1 - int(self.pdu[:2], 16)


class SmsCenter:
    """The message store and both directions of SMS traffic."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.store: dict[int, Stored] = {}
        self.lost = 0  # messages that found the store full
        self._entry: tuple[str, str | int] | None = None  # ("pdu", n) or ("text", destination)
        self._parts: dict[tuple[str, int, int], dict[int, str]] = {}
        self._mr = core.rng.randrange(256)

    def table(self) -> dict[str, Handler]:
        return {
            "+CMGF": self._cmgf, "+CNMI": self._cnmi, "+CPMS": self._cpms, "+CSCS": self._cscs,
            "+CMGS": self._cmgs, "+CMGR": self._cmgr, "+CMGL": self._cmgl, "+CMGD": self._cmgd,
            "+CSCA": self._csca, "+CSMP": self._csmp, "+CNMA": lambda rest: Reply(),
            "+CSMS": lambda rest: Reply(["+CSMS: 1,1,1"] if rest.startswith("=") else
                                        ["+CSMS: 0,1,1,1"]),
        }

    @property
    def in_entry(self) -> bool:
        return self._entry is not None

    def reset(self) -> None:
        self._entry = None

    # --- the network side -----------------------------------------------------------------

    def deliver(self, sender: str, text: str, *, store: bool, notify: bool = True) -> None:
        """One message, split into parts like the sender's phone would, maybe reordered."""
        from hardware.modem.pdu import Concat, choose_encoding, encode_deliver, split_text

        encoding = choose_encoding(text)
        parts = split_text(text, encoding)
        ref, total = self.core.rng.randrange(256), len(parts)
        stamp = datetime.now().astimezone().replace(microsecond=0)
        order = list(range(total))
        self.core.rng.shuffle(order)
        for i in order:
            concat = Concat(ref, total, i + 1) if total > 1 else None
            pdu = encode_deliver(sender, parts[i], stamp, concat=concat, smsc=SMSC,
                                 encoding=encoding)
            message = Stored(0, pdu, sender, parts[i], stamp)
            if store:
                self._store(message, notify=notify)
            else:
                self._direct(message)

    def _store(self, message: Stored, *, notify: bool) -> None:
        free = next((i for i in range(self.core.quirks.sms_capacity) if i not in self.store), None)
        if free is None:
            self.lost += 1
            if notify and self.core.profile.dialect is Dialect.HUAWEI:
                self.core.urc('^SMMEMFULL: "SM"')
            return
        self.store[free] = message
        if notify and self.core.settings.cnmi_mt != 0:
            self.core.urc(f'+CMTI: "SM",{free}')

    def store_draft(self, number: str, text: str) -> None:
        from hardware.modem.pdu import encode_submit

        part = encode_submit(number, text, ref=0)[0]
        free = next(i for i in range(self.core.quirks.sms_capacity) if i not in self.store)
        self.store[free] = Stored(2, part.hex, number, text, datetime.now().astimezone())

    def _direct(self, message: Stored) -> None:
        """``+CMT``: two lines that only make sense together, so one URC unit."""
        if self.core.settings.cmgf == 0:
            self.core.urc(f"+CMT: ,{message.tpdu_length}\r\n{message.pdu}")
        else:
            self.core.urc(f'+CMT: "{message.sender}",,"{_stamp(message)}"\r\n'
                          f"{self._text_out(message.text)}")

    # --- sending --------------------------------------------------------------------------

    def _cmgs(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked or not rest.startswith("="):
            return blocked or Reply(final="ERROR")
        if self.core.settings.cmgf == 0:
            length = int_arg(rest)
            if length is None or length <= 0:
                return Reply(final=self.core.cms(304))
            self._entry = ("pdu", length)
        else:
            destination = self._text_in(args(rest)[0].encode())
            if destination is None:
                return Reply(final=self.core.cms(304))
            self._entry = ("text", destination)
        return Reply(final=None, prompt=True)

    def finish_entry(self, body: bytes, *, aborted: bool) -> Reply:
        """After ^Z (send) or ESC (abort) ends the body typed at the ``> `` prompt."""
        entry, self._entry = self._entry, None
        if aborted or entry is None:
            return Reply()
        delay = self.core.uniform(self.core.quirks.sms_delay_s)
        if not self.core.registered:
            return Reply(final=self.core.cms(331), delay=delay)
        mode, param = entry
        if mode == "pdu":
            error = self._submit_pdu(body.decode("ascii", "replace").strip(), int(param))
        else:
            error = self._submit_text(body, str(param))
        if error:
            return Reply(final=self.core.cms(error), delay=delay)
        self._mr = (self._mr + 1) % 256
        return Reply([f"+CMGS: {self._mr}"], delay=delay)

    def _submit_pdu(self, hex_pdu: str, length: int) -> int | None:
        from hardware.modem.pdu import PduError, decode_submit

        try:
            submit = decode_submit(hex_pdu)
            smsc_octets = int(hex_pdu[:2], 16)
        except (PduError, ValueError):
            return 304
        if len(hex_pdu) // 2 - 1 - smsc_octets != length:
            return 304  # <length> must count the TPDU only (reference §6.4)
        concat = submit.concat
        if concat is None:
            self.core.sent_sms.append((submit.destination, submit.text))
            return None
        parts = self._parts.setdefault((submit.destination, concat.ref, concat.total), {})
        parts[concat.seq] = submit.text
        if len(parts) == concat.total:
            del self._parts[(submit.destination, concat.ref, concat.total)]
            text = "".join(parts[seq] for seq in range(1, concat.total + 1))
            self.core.sent_sms.append((submit.destination, text))
        return None

    def _submit_text(self, body: bytes, destination: str) -> int | None:
        """Text mode: a UCS-2 body while CSCS is "GSM" is the classic 305 (reference §6.1)."""
        s = self.core.settings
        if s.cscs != "UCS2" and s.csmp_dcs == 8:
            return 305
        text = self._text_in(body)
        if text is None:
            return 305
        self.core.sent_sms.append((destination, text))
        return None

    def _text_in(self, raw: bytes) -> str | None:
        """A text-mode string in the current CSCS: hex UTF-16 for "UCS2", Latin-1 for
        "8859-1", else ASCII (None when the bytes don't fit)."""
        cscs = self.core.settings.cscs
        try:
            if cscs == "UCS2":
                return bytes.fromhex(raw.decode("ascii")).decode("utf-16-be")
            return raw.decode("latin-1" if cscs == "8859-1" else "ascii")
        except (UnicodeDecodeError, ValueError):
            return None

    def _text_out(self, text: str) -> str:
        """Text mode is lossy: what the charset cannot show becomes "?" (use PDU mode)."""
        cscs = self.core.settings.cscs
        if cscs == "UCS2":
            return text.encode("utf-16-be").hex().upper()
        limit = 0x100 if cscs == "8859-1" else 0x80
        # Lone surrogates carry raw Latin-1 bytes through the framing's surrogateescape.
        return "".join(ch if ord(ch) < 0x80 else chr(0xDC00 + ord(ch)) if ord(ch) < limit
                       else "?" for ch in text)

    # --- reading and deleting ---------------------------------------------------------------

    def _blocked(self) -> Reply | None:
        code = self.core.sim_error()
        return Reply(final=self.core.cms(_SIM_CMS[code])) if code is not None else None

    def _listing(self, prefix: str, message: Stored) -> str:
        if self.core.settings.cmgf == 0:
            return f"{prefix}{message.stat},,{message.tpdu_length}\r\n{message.pdu}"
        return (f'{prefix}"{_STAT_TEXT[message.stat]}","{message.sender}",,"{_stamp(message)}"'
                f"\r\n{self._text_out(message.text)}")

    def _cmgr(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked:
            return blocked
        message = self.store.get(int_arg(rest) if int_arg(rest) is not None else -1)
        if message is None:
            return Reply(final=self.core.cms(321))
        line = self._listing("+CMGR: ", message)
        message.stat = 1 if message.stat == 0 else message.stat
        return Reply([line])

    def _cmgl(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked:
            return blocked
        wanted = self._list_filter(rest)
        if wanted is None:
            return Reply(final=self.core.cms(302))
        lines = []
        for idx in sorted(self.store):
            message = self.store[idx]
            if message.stat in wanted:
                lines.append(self._listing(f"+CMGL: {idx},", message))
                message.stat = 1 if message.stat == 0 else message.stat
        return Reply(lines)

    def _list_filter(self, rest: str) -> set[int] | None:
        """PDU mode lists by number (4 = all), text mode by name ("ALL")."""
        value = args(rest)[0] if rest.startswith("=") else ("0" if self.core.settings.cmgf == 0
                                                            else "REC UNREAD")
        if self.core.settings.cmgf == 0:
            if value == "4":
                return {0, 1, 2, 3}
            return {int(value)} if value in ("0", "1", "2", "3") else None
        if value == "ALL":
            return {0, 1, 2, 3}
        return {_TEXT_STAT[value]} if value in _TEXT_STAT else None

    def _cmgd(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked:
            return blocked
        idx, flag = int_arg(rest), int_arg(rest, 1, 0)
        if flag in _CMGD_FLAGS:
            for i in [i for i, m in self.store.items() if m.stat in _CMGD_FLAGS[flag]]:
                del self.store[i]
            return Reply()
        if idx is None or flag != 0 or not 0 <= idx < self.core.quirks.sms_capacity:
            return Reply(final=self.core.cms(321))
        self.store.pop(idx, None)
        return Reply()

    # --- settings ---------------------------------------------------------------------------

    def _cmgf(self, rest: str) -> Reply:
        if rest == "?":
            return Reply([f"+CMGF: {self.core.settings.cmgf}"])
        value = int_arg(rest, default=0)
        if value not in (0, 1):
            return Reply(final="ERROR")
        self.core.settings.cmgf = value
        return Reply()

    def _cnmi(self, rest: str) -> Reply:
        if rest == "?":
            return Reply([f"+CNMI: 2,{self.core.settings.cnmi_mt},0,0,0"])
        mt = int_arg(rest, 1, 0)
        if mt not in (0, 1, 2, 3):
            return Reply(final="ERROR")
        self.core.settings.cnmi_mt = mt
        return Reply()

    def _cpms(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked:
            return blocked
        used, cap = len(self.store), self.core.quirks.sms_capacity
        if rest == "?":
            return Reply([f'+CPMS: "SM",{used},{cap},"SM",{used},{cap},"SM",{used},{cap}'])
        if rest == "=?":
            return Reply(['+CPMS: ("SM"),("SM"),("SM")'])
        return Reply([f"+CPMS: {used},{cap},{used},{cap},{used},{cap}"])

    def _cscs(self, rest: str) -> Reply:
        if rest == "?":
            return Reply([f'+CSCS: "{self.core.settings.cscs}"'])
        value = args(rest)[0].upper()
        if value not in ("GSM", "IRA", "UCS2", "8859-1"):
            return Reply(final=self.core.cme(4))
        self.core.settings.cscs = value
        return Reply()

    def _csca(self, rest: str) -> Reply:
        blocked = self._blocked()
        if blocked:
            return blocked
        return Reply([f'+CSCA: "{SMSC}",145'] if rest == "?" else [])

    def _csmp(self, rest: str) -> Reply:
        if rest == "?":
            return Reply([f"+CSMP: 17,167,0,{self.core.settings.csmp_dcs}"])
        dcs = int_arg(rest, 3, 0)
        if dcs is None:
            return Reply(final="ERROR")
        self.core.settings.csmp_dcs = dcs
        return Reply()


def _stamp(message: Stored) -> str:
    """Text-mode timestamp ``yy/MM/dd,hh:mm:ss±zz`` (zone in quarter hours)."""
    offset = message.timestamp.utcoffset()
    quarters = int(offset.total_seconds()) // 900 if offset is not None else 0
    return message.timestamp.strftime("%y/%m/%d,%H:%M:%S") + f"{quarters:+03d}"
