"""State shared by the fake modem's parts, and how they speak.

The command handlers, the call logic and the SMS store all talk through :class:`Core`:
it owns the settings, the SIM, the network view, the timer heap and the transmitter, and it
frames every line (``\\r\\n<line>\\r\\n``, SIMCom double CR on URCs, result codes per
``AT+CMEE``). One object, touched only under the modem's lock, so no part needs its own.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hardware.modem.dialects import PROFILES, Dialect, Profile

from .modem_dialects import CME_TEXT, Quirks, Settings
from .modem_io import Scheduler, Timer, Transmitter

log = logging.getLogger(__name__)

NO_SIM = "NOSIM"
PUK = "12345678"


@dataclass
class Reply:
    """A command's answer: info lines, then a final result code.

    ``final=None`` means the handler sends the final code itself later (a blocking ``ATD``
    with ``+COLP``); ``prompt`` sends the SMS ``> `` prompt instead of a final code. A line
    containing ``\\r\\n`` is one unit that a URC never splits (``+CMGR`` header and PDU).
    """

    lines: list[str] = field(default_factory=list)
    final: str | None = "OK"
    delay: float = 0.0
    prompt: bool = False


@dataclass
class Device:
    """The module, its SIM and the network it sees; ``rssi`` and ``stat`` change at runtime."""

    imei: str
    iccid: str
    operator: str
    pin: str | None
    rssi: int
    stat: int


@dataclass
class SimCard:
    """PIN state machine of 27.007 §8.3: three wrong PINs lock the card behind the PUK."""

    pin: str | None
    state: str = "READY"  # READY | SIM PIN | SIM PUK | NOT INSERTED
    attempts: int = 3

    def power_on(self) -> None:
        """A PUK lock and the attempt counter live on the card, so they survive reboots."""
        if self.pin == NO_SIM:
            self.state = "NOT INSERTED"
        elif self.state != "SIM PUK":
            self.state = "READY" if self.pin is None else "SIM PIN"


class Core:
    """The modem's shared state and its voice (see module docstring)."""

    def __init__(self, dialect: Dialect, quirks: Quirks, rng: random.Random,
                 device: Device) -> None:
        self.profile: Profile = PROFILES[dialect]
        self.quirks = quirks
        self.rng = rng
        self.double_cr = profile_double_cr(self.profile, quirks)
        self.settings = Settings()
        self.sched = Scheduler()
        self.tx = Transmitter(rng, split=quirks.split_writes)
        self.device = device
        self.sim = SimCard(device.pin)
        self.sim.power_on()
        self.booted_at = time.monotonic()
        self.reboot: Callable[[], None] = lambda: None  # set by FakeModem: AT+CFUN=1,1
        self.commands: list[str] = []
        self.received_dtmf: list[str] = []
        self.sent_sms: list[tuple[str, str]] = []
        self.waiting_calls_rejected = 0
        self.faults: list[str] = []

    def fault(self, exc: BaseException) -> None:
        """Record a bug in the fake itself; it keeps serving (a dead thread hangs every test)."""
        log.error("fake modem fault", exc_info=exc)
        self.faults.append(f"{type(exc).__name__}: {exc}")

    # --- time ---------------------------------------------------------------------------

    @staticmethod
    def now() -> float:
        return time.monotonic()

    def later(self, delay: float, fn: Callable[[], None]) -> Timer:
        return self.sched.at(self.now() + delay, fn)

    def uniform(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)

    # --- network and SIM views ------------------------------------------------------------

    @property
    def registered(self) -> bool:
        return self.device.stat in (1, 5, 9, 10)

    def sim_busy(self) -> bool:
        return self.now() - self.booted_at < self.quirks.sim_busy_s

    def sim_error(self) -> int | None:
        """The CME code that blocks SIM-dependent commands now, if any."""
        if self.sim.state == "NOT INSERTED":
            return 10
        if self.sim.state == "SIM PIN":
            return 11
        if self.sim.state == "SIM PUK":
            return 12
        return 14 if self.sim_busy() else None

    # --- speaking -------------------------------------------------------------------------

    def cme(self, code: int) -> str:
        """``+CME ERROR`` as the driver configured it: plain, numeric or verbose."""
        if self.settings.cmee == 0:
            return "ERROR"
        if self.settings.cmee == 2:
            return f"+CME ERROR: {CME_TEXT.get(code, 'unknown')}"
        return f"+CME ERROR: {code}"

    @staticmethod
    def cms(code: int) -> str:
        return f"+CMS ERROR: {code}"

    def echo(self, data: bytes) -> None:
        self.tx.response(data, self.now())

    def reply(self, reply: Reply) -> None:
        """Queue info lines spread over the final-code delay, so URCs can fall between; with
        ``status_in_answers`` a vendor status line may come between any two lines (even a
        ``+CMGL`` header and its PDU), as real modems do."""
        now = self.now()
        delay = self.uniform(self.quirks.ok_delay_s)
        lines = self._with_status(reply.lines)
        count = len(lines)
        for i, line in enumerate(lines):
            text = ("\r\n" if i == 0 else "") + line + "\r\n"
            self.tx.response(_encode(text), now + delay * (i + 1) / (count + 1))
        if reply.prompt:
            self.tx.response(b"\r\n> ", now + delay)
        elif reply.final is not None:
            self.tx.response(_encode(f"\r\n{reply.final}\r\n"), now + delay + reply.delay)

    def _with_status(self, lines: list[str]) -> list[str]:
        if not self.quirks.status_in_answers or not self.profile.status or len(lines) < 1:
            return lines
        out: list[str] = []
        for part in (p for line in lines for p in line.split("\r\n")):
            if out and self.rng.random() < self.quirks.status_in_answers:
                out.append(self.rng.choice(self.profile.status))
            out.append(part)
        if self.rng.random() < self.quirks.status_in_answers:
            out.append(self.rng.choice(self.profile.status))
        return out

    def final(self, code: str, lines: tuple[str, ...] = ()) -> None:
        """A final result code sent later than its command (held ``ATD``, SMS body)."""
        self.reply(Reply(list(lines), code))

    def urc(self, *lines: str) -> None:
        """Each line is its own URC (``\\r\\n`` inside a line keeps a two-line URC whole)."""
        for line in lines:
            self.tx.urc(self._frame_urc(line), self.now())

    def raw(self, data: bytes) -> None:
        self.tx.urc(data, self.now())

    def _frame_urc(self, line: str) -> bytes:
        edge = "\r\r\n" if self.double_cr else "\r\n"
        data = _encode(f"{edge}{line}{edge}")
        if self.quirks.garbage:
            if line == "NO CARRIER" and self.rng.random() < 0.5:
                return b"\nNO CARRIER\r\n"  # Sierra-style, no leading CR (reference §1.2)
            if self.rng.random() < 0.2:
                return b"\x00" + data
        return data

    def urc_series(self, lines: list[str], gap: float = 0.01) -> None:
        """URCs a little apart, as a booting module prints them."""
        for i, line in enumerate(lines):
            self.later(i * gap, lambda line=line: self.urc(line))

    # --- canned sequences ------------------------------------------------------------------

    def boot_lines(self) -> list[str]:
        """RDY & co., then the SIM's state; the SIM-ready lines only if no PIN is needed."""
        lines = [line.format(rssi=self.device.rssi) for line in self.profile.boot]
        state = self.sim.state
        says_cpin = self.profile.simcom or self.profile.dialect is Dialect.EC25
        if says_cpin and (state != "NOT INSERTED" or self.profile.dialect is Dialect.SIM800):
            lines.append(f"+CPIN: {state}")  # SIM800-class also reports NOT INSERTED
        return lines + (self.sim_ready_lines() if state == "READY" else [])

    def sim_ready_lines(self) -> list[str]:
        lines = list(self.profile.sim_ready)
        if self.profile.dialect is Dialect.EC25 and self.rng.random() < 0.5:
            lines[-2:] = reversed(lines[-2:])  # SMS DONE / PB DONE order varies
        return lines

    def registration_urcs(self) -> list[str]:
        """``+CREG``/``+CEREG`` URCs have no <n> field (reference §1.5), unlike the reply."""
        lines = []
        for prefix, n in (("+CREG", self.settings.creg), ("+CEREG", self.settings.cereg)):
            if n:
                lines.append(f"{prefix}: {self.registration_fields(n)}")
        return lines

    def registration_fields(self, n: int) -> str:
        stat = self.device.stat
        if n >= 2 and stat in (1, 5):
            return f'{stat},"00C3","0000A13B",{self.profile.act}'
        return str(stat)


def profile_double_cr(profile: Profile, quirks: Quirks) -> bool:
    return profile.double_cr if quirks.double_cr is None else quirks.double_cr


def _encode(text: str) -> bytes:
    """Lone surrogates carry raw bytes (the garbage byte in an operator name)."""
    return text.encode("utf-8", "surrogateescape")
