"""Bringing a modem up and checking on it: identification, SIM and PIN, registration, signal.

Every problem a person can fix is raised as ``ModemProblem`` with a sentence saying what to do;
the line shows it on the page. A SIM PIN that was refused once is never sent again on its own
(three wrong PINs lock the SIM): ``PinGuard`` remembers refused PINs across restarts.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from .at import AtChannel, AtTimeout
from .dialects import PROFILES, Dialect, Profile, detect
from .urc import OPERATOR_RE, fields, rssi_to_dbm

log = logging.getLogger(__name__)

REGISTERED = (1, 5)
CCLK_RE = re.compile(r'"?(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d+)"?')
MIN_NETWORK_YEAR = 2024
REGISTRATION_TEXT = {0: "not registered", 1: "registered (home)", 2: "searching",
                     3: "registration denied", 4: "unknown", 5: "registered (roaming)"}
CME_SIM_NOT_INSERTED, CME_SIM_PUK, CME_SIM_BUSY, CME_WRONG_PIN = "10", "12", "14", "16"


class ModemProblem(Exception):
    """Something is wrong that a person must see; ``error`` False means just offline."""

    def __init__(self, reason: str, *, error: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


@dataclass(frozen=True)
class ModemInfo:
    dialect: str = ""
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    imei: str = ""
    iccid: str = ""
    sim: str = ""
    operator: str = ""
    registration: str = ""
    signal_dbm: int | None = None

    @property
    def registered(self) -> bool:
        return self.registration.startswith("registered")


class PinGuard:
    """Remembers refused PINs (hashed) in the data directory, so a restart cannot retry one."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: set[str] = set()

    @staticmethod
    def _key(line: str, pin: str) -> str:
        return hashlib.sha256(f"{line}:{pin}".encode()).hexdigest()

    def refused(self, line: str, pin: str) -> bool:
        key = self._key(line, pin)
        if key in self._memory:
            return True
        return self.path is not None and self.path.exists() and key in self.path.read_text()

    def mark_refused(self, line: str, pin: str) -> None:
        key = self._key(line, pin)
        self._memory.add(key)
        if self.path is not None:
            with self.path.open("a") as f:
                f.write(key + "\n")


def wake(chan: AtChannel, attempts: int = 5, timeout: float = 1.0) -> None:
    """Get any answer to ``AT`` (the first bytes after opening may be lost or stale)."""
    for _ in range(attempts):
        try:
            if chan.command("AT", timeout=timeout).ok:
                return
        except AtTimeout:
            continue
    raise ModemProblem("The modem does not answer. Check its power supply and USB cable, and "
                       "that ModemManager is not using the port (switchboard doctor).")


def identify(chan: AtChannel, forced: Dialect | None) -> tuple[Profile, ModemInfo]:
    def bare(cmd: str) -> str:
        result = chan.command(cmd, bare=True)
        text = result.lines[0] if result.ok and result.lines else ""
        return text.split(":", 1)[1].strip() if text.startswith("+") else text.strip()

    chan.command("ATE0")
    chan.command("AT+CMEE=1")
    manufacturer, model = bare("AT+CGMI"), bare("AT+CGMM")
    profile = PROFILES[forced or detect(manufacturer, model)]
    info = ModemInfo(profile.dialect.value, manufacturer, model, bare("AT+CGMR"),
                     bare("AT+CGSN"))
    return profile, info


def unlock_sim(chan: AtChannel, line: str, pin: str | None, guard: PinGuard,
               *, busy_wait_s: float = 20.0) -> str:
    """Make the SIM ready or raise ModemProblem saying why not. Returns the SIM state."""
    deadline = time.monotonic() + busy_wait_s
    while True:
        result = chan.command("AT+CPIN?", expect=("+CPIN:",), timeout=10)
        if result.ok or result.error != CME_SIM_BUSY or time.monotonic() > deadline:
            break
        time.sleep(0.5)   # the SIM is still starting up; real modems need seconds
    state = result.first("+CPIN:") or ""
    if result.error == CME_SIM_NOT_INSERTED or "NOT INSERTED" in state:
        raise ModemProblem("No SIM card: insert the SIM (with the modem unplugged).")
    if not result.ok:
        raise ModemProblem(f"The SIM cannot be read ({result.final}); re-seat the SIM card.")
    if state == "SIM PUK" or result.error == CME_SIM_PUK:
        raise ModemProblem("The SIM is locked (PUK needed): unlock it in a phone, then plug it "
                           "back.")
    if state == "SIM PIN":
        _enter_pin(chan, line, pin, guard)
        return "READY"
    return state


def _enter_pin(chan: AtChannel, line: str, pin: str | None, guard: PinGuard) -> None:
    if not pin:
        raise ModemProblem("The SIM asks for a PIN: set the line's SIM PIN, or remove the PIN "
                           "in a phone.")
    if guard.refused(line, pin):
        raise ModemProblem("This SIM PIN was refused before and is not retried (three wrong "
                           "PINs lock the SIM): set the right PIN for the line.")
    result = chan.command(f'AT+CPIN="{pin}"', timeout=10)
    if not result.ok:
        guard.mark_refused(line, pin)
        raise ModemProblem("Wrong SIM PIN: set the right PIN for the line. It will not be "
                           "retried automatically (three wrong PINs lock the SIM).")


def read_iccid(chan: AtChannel, profile: Profile) -> str:
    command, prefix = profile.iccid
    result = chan.command(command, expect=(prefix,) if prefix else (), bare=not prefix)
    if not result.ok or not result.lines:
        return ""
    line = result.lines[0]
    return (line[len(prefix):] if prefix else line).strip().strip('"')


def configure(chan: AtChannel, profile: Profile) -> None:
    """Caller ID, call waiting (so a second caller can be refused and logged), URCs, SMS."""
    wanted = ("AT+CREG=2", "AT+CEREG=2", "AT+COPS=3,0", "AT+CLIP=1", "AT+CRC=1", "AT+CVHU=0",
              "AT+CCWA=1,1,1", *profile.init, "AT+CMGF=0", 'AT+CPMS="SM","SM","SM"',
              "AT+CNMI=2,1,0,0,0")
    for command in wanted:
        result = chan.command(command, expect=("+CPMS:",))
        if not result.ok:
            log.info("%s refused %s (%s); carrying on", profile.dialect, command, result.final)


def network(chan: AtChannel, info: ModemInfo) -> ModemInfo:
    """Registration, operator and signal as they are now."""
    stat = -1
    for command, prefix in (("AT+CREG?", "+CREG:"), ("AT+CEREG?", "+CEREG:")):
        result = chan.command(command, expect=(prefix,))
        f = fields(result.first(prefix) or "")
        if result.ok and len(f) > 1 and f[1].strip().isdigit():
            stat = int(f[1]) if int(f[1]) in REGISTERED or stat == -1 else stat
    operator = ""
    result = chan.command("AT+COPS?", expect=("+COPS:",))
    match = OPERATOR_RE.search(result.first("+COPS:") or "")
    if match:
        operator = "".join(ch for ch in match.group(1) if ch.isprintable() and ch != "\ufffd")
    csq = chan.command("AT+CSQ", expect=("+CSQ:",))
    rssi_text = fields(csq.first("+CSQ:") or "99")[0]
    dbm = rssi_to_dbm(int(rssi_text)) if rssi_text.strip().isdigit() else None
    return replace(info, registration=REGISTRATION_TEXT.get(stat, "unknown"),
                   operator=operator.rstrip("@ ").strip(), signal_dbm=dbm)


def check_service(info: ModemInfo) -> None:
    """Raise the reason calls cannot arrive, if there is one."""
    if info.registration == "registration denied":
        raise ModemProblem("The network refuses this SIM: check that its contract is active.")
    if not info.registered:
        raise ModemProblem("Not registered on the network yet (searching). If this lasts, "
                           "check the antenna and the SIM's coverage.", error=False)
    if info.signal_dbm is None:
        raise ModemProblem("No signal: check the antenna.", error=False)


def network_time(chan: AtChannel) -> datetime | None:
    """The network's time from ``AT+CCLK?`` (local time, zone in quarter hours), as UTC.

    None when the modem has no network time yet: many report 2000 or 1980 until NITZ arrives.
    """
    result = chan.command("AT+CCLK?", expect=("+CCLK:",))
    match = CCLK_RE.search(result.first("+CCLK:") or "")
    if not result.ok or match is None:
        return None
    yy, mo, dd, hh, mi, ss, zone = match.groups()
    try:
        local = datetime(2000 + int(yy), int(mo), int(dd), int(hh), int(mi), int(ss),
                         tzinfo=timezone(timedelta(minutes=15 * int(zone))))
    except ValueError:
        return None
    return local.astimezone(UTC) if local.year >= MIN_NETWORK_YEAR else None
