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

from hardware.sentences import N_, Text

from . import answers
from .at import AtAborted, AtChannel, AtResult, AtTimeout
from .dialects import PROFILES, Dialect, Profile, detect
from .options import LEFTOVER_STATES
from .urc import (
    CallEntry,
    fields,
    parse_clcc_list,
    registration_read_stat,
    rssi_to_dbm,
    sim_state,
)

log = logging.getLogger(__name__)

# 27.007 <stat> for +CREG/+CGREG/+CEREG. 9/10 (LTE, "CSFB not preferred") are registered with
# voice over LTE preferred; 6/7 carry texts only, so calls cannot arrive on that network.
REGISTRATION_TEXT = {0: Text("not registered"), 1: Text("registered (home)"),
                     2: Text("searching"), 3: Text("registration denied"), 4: Text("unknown"),
                     5: Text("registered (roaming)"), 6: Text("texts only (home)"),
                     7: Text("texts only (roaming)"), 8: Text("emergency calls only"),
                     9: Text("registered (home)"), 10: Text("registered (roaming)"),
                     11: Text("emergency calls only")}
REGISTERED = (1, 5, 9, 10)
TEXTS_ONLY = (6, 7)
CCLK_RE = re.compile(r'"?(\d{2}|\d{4})/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d+)?"?')
MIN_NETWORK_YEAR = 2024
CME_SIM_NOT_INSERTED, CME_SIM_PUK, CME_SIM_BUSY, CME_WRONG_PIN = "10", "12", "14", "16"
# +CPIN states a person must act on, beyond SIM PIN/PUK (27.007 §8.3): the modem or SIM is
# locked to a network, operator or another SIM; only its seller or operator can unlock it.
LOCK_ADVICE = {
    "PH-NET": N_("The modem is locked to another mobile network (%(state)s): use a modem "
                 "unlocked for every operator, or ask its seller for the network unlock code."),
    "PH-SIM": N_("The modem is locked to a different SIM card (%(state)s): use the SIM it was "
                 "sold with, or ask its seller to unlock it."),
    "PH-": N_("The modem is locked by its seller or operator (%(state)s): ask them for the "
              "unlock code, or use an unlocked modem."),
    "SIM PUK2": N_("The SIM's second PIN is blocked (%(state)s): unlock it in a phone."),
    "SIM PIN2": N_("The SIM asks for its second PIN (%(state)s): remove it in a phone."),
}


class Lost(Exception):
    """The port is gone or the modem restarted: reconnect. The message says which."""


def down_reason(exc: Exception) -> tuple[str, bool]:
    """Why a line went down, for a person, and whether that is an error (else just offline)."""
    if isinstance(exc, ModemProblem):
        return exc.reason, exc.error
    if "restarted" in str(exc):
        return Text("The modem restarted by itself; setting it up again."), True
    if isinstance(exc, AtTimeout) and not isinstance(exc, AtAborted):
        return Text("The modem stopped answering; restarting the connection."), True
    return Text("The modem disconnected (unplugged or restarting); reconnecting."), True


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
    raise ModemProblem(Text("The modem does not answer. Check its power supply and USB cable, and "
                            "that ModemManager is not using the port (switchboard doctor)."))


def identify(chan: AtChannel, forced: Dialect | None) -> tuple[Profile, ModemInfo]:
    def ask(cmd: str, shape=answers.text) -> str:
        result = chan.command(cmd, expect=(f"{cmd[2:]}:",), shape=shape)
        return answers.clean_value(result.lines[0]) if result.ok and result.lines else ""

    chan.command("ATE0")
    chan.command("AT+CMEE=1")
    manufacturer, model = ask("AT+CGMI"), ask("AT+CGMM")
    profile = PROFILES[forced or detect(manufacturer, model)]
    info = ModemInfo(profile.dialect.value, manufacturer, model, ask("AT+CGMR"),
                     ask("AT+CGSN", answers.imei))
    return profile, info


def unlock_sim(chan: AtChannel, line: str, pin: str | None, guard: PinGuard,
               *, busy_wait_s: float = 20.0) -> str:
    """Make the SIM ready or raise ModemProblem saying why not. Returns the SIM state."""
    deadline = time.monotonic() + busy_wait_s
    while True:
        result, state = query_sim(chan)
        if result.ok or result.error != CME_SIM_BUSY or time.monotonic() > deadline:
            break
        time.sleep(0.5)   # the SIM is still starting up; real modems need seconds
    if result.error == CME_SIM_NOT_INSERTED or "NOT INSERTED" in state:
        raise ModemProblem(Text("No SIM card: insert the SIM (with the modem unplugged)."))
    if not result.ok:
        raise ModemProblem(Text("The SIM cannot be read (%(answer)s); re-seat the SIM card.",
                                answer=result.final))
    if state == "SIM PUK" or result.error == CME_SIM_PUK:
        raise ModemProblem(Text("The SIM is locked (PUK needed): unlock it in a phone, then plug "
                                "it back."))
    if state == "SIM PIN":
        _enter_pin(chan, line, pin, guard)
        return "READY"
    if state not in ("READY", ""):
        raise ModemProblem(lock_advice(state))
    return state


def query_sim(chan: AtChannel) -> tuple[AtResult, str]:
    """``AT+CPIN?`` and the state word it gave ("" without one). Some modems (Wavecom) end
    this answer without OK."""
    result = chan.command("AT+CPIN?", expect=("+CPIN:",), timeout=10, final_optional=True)
    return result, sim_state(result.first("+CPIN:") or "")


def lock_advice(state: str) -> str:
    """What to do about a SIM state other than READY, SIM PIN and SIM PUK."""
    advice = next((text for key, text in LOCK_ADVICE.items() if state.startswith(key)),
                  N_("The SIM is not ready (%(state)s): check it in a phone."))
    return Text(advice, state=state)


def _enter_pin(chan: AtChannel, line: str, pin: str | None, guard: PinGuard) -> None:
    if not pin:
        raise ModemProblem(Text("The SIM asks for a PIN: set the line's SIM PIN, or remove the PIN "
                                "in a phone."))
    if guard.refused(line, pin):
        raise ModemProblem(Text("This SIM PIN was refused before and is not retried (three wrong "
                                "PINs lock the SIM): set the right PIN for the line."))
    result = chan.command(f'AT+CPIN="{pin}"', timeout=10)
    if not result.ok:
        guard.mark_refused(line, pin)
        raise ModemProblem(Text("Wrong SIM PIN: set the right PIN for the line. It will not be "
                                "retried automatically (three wrong PINs lock the SIM)."))


def read_iccid(chan: AtChannel, profile: Profile) -> str:
    command, prefix = profile.iccid
    result = chan.command(command, expect=(prefix,) if prefix else (),
                          shape=None if prefix else answers.iccid)
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


def list_calls(chan: AtChannel) -> list[CallEntry] | None:
    """The modem's voice calls (``AT+CLCC``); None when it cannot say."""
    result = chan.command("AT+CLCC", expect=("+CLCC:",))
    return parse_clcc_list(result.lines) if result.ok else None


def end_leftover_calls(chan: AtChannel, profile: Profile) -> bool:
    """Hang up a call that outlived our connection (the core already ended it), so its caller
    does not sit in silence and the line can take new calls. True if there was one."""
    if not any(call.stat in LEFTOVER_STATES for call in list_calls(chan) or []):
        return False                                  # a caller ringing now is left ringing
    chan.command("AT+CHLD=0")
    chan.command(profile.hangup, timeout=10)
    return True


def network(chan: AtChannel, info: ModemInfo) -> ModemInfo:
    """Registration, operator and signal as they are now."""
    stat = -1
    for command, prefix in (("AT+CREG?", "+CREG:"), ("AT+CEREG?", "+CEREG:")):
        result = chan.command(command, shape=answers.registration_read(prefix))
        read = registration_read_stat(result.first(prefix) or "")
        if result.ok and read is not None:
            stat = _better(stat, read)
    result = chan.command("AT+COPS?", expect=("+COPS:",))
    cops = fields(result.first("+COPS:") or "")      # <mode>,<format>,<oper>[,<AcT>]
    operator = "".join(ch for ch in (cops[2] if len(cops) > 2 else "")
                       if ch.isprintable() and ch != "\ufffd")
    csq = chan.command("AT+CSQ", expect=("+CSQ:",))
    rssi_text = fields(csq.first("+CSQ:") or "99")[0]
    dbm = rssi_to_dbm(int(rssi_text)) if rssi_text.strip().isdigit() else None
    return replace(info, registration=REGISTRATION_TEXT.get(stat, REGISTRATION_TEXT[4]),
                   operator=operator.rstrip("@ ").strip(), signal_dbm=dbm)


def _better(stat: int, new: int) -> int:
    """Of the circuit (+CREG) and LTE (+CEREG) states, the one calls can come through."""
    for good in (REGISTERED, TEXTS_ONLY):
        if stat in good or new in good:
            return stat if stat in good else new
    return new if stat == -1 else stat


def check_service(info: ModemInfo) -> None:
    """Raise the reason calls cannot arrive, if there is one."""
    if info.registration == "registration denied":
        raise ModemProblem(Text("The network refuses this SIM: check that its contract is active."))
    if info.registration.startswith("texts only"):
        raise ModemProblem(Text("The network lets this SIM send texts but not take calls: ask the "
                                "operator to enable voice (or VoLTE) on it."))
    if not info.registered:
        raise ModemProblem(Text("Not registered on the network yet (searching). If this lasts, "
                                "check the antenna and the SIM's coverage."), error=False)
    if info.signal_dbm is None:
        raise ModemProblem(Text("No signal: check the antenna."), error=False)


def network_time(chan: AtChannel) -> datetime | None:
    """The network's time from ``AT+CCLK?`` (local time, zone in quarter hours).

    Aware and in UTC when the modem gives the zone; naive (the network's local wall time) when
    it does not, for the core to read in the line's own time zone. None when the modem has no
    network time yet: many report 2000 or 1980 until NITZ arrives.
    """
    result = chan.command("AT+CCLK?", expect=("+CCLK:",))
    return parse_cclk(result.first("+CCLK:") or "") if result.ok else None


def parse_cclk(payload: str, *, min_year: int = MIN_NETWORK_YEAR) -> datetime | None:
    match = CCLK_RE.search(payload)
    if match is None:
        return None
    yy, mo, dd, hh, mi, ss, zone = match.groups()
    year = int(yy) + (2000 if len(yy) == 2 else 0)
    tz = timezone(timedelta(minutes=15 * int(zone))) if zone else None
    try:
        local = datetime(year, int(mo), int(dd), int(hh), int(mi), int(ss), tzinfo=tz)
    except ValueError:
        return None
    if local.year < min_year:
        return None
    return local.astimezone(UTC) if tz is not None else local
