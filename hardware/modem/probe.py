"""Look at one modem without taking it over: what ``switchboard doctor`` prints for each port.

It never enters a SIM PIN (a wrong one counts towards locking the SIM) and never changes a
setting that survives the session; it reads identity, SIM state, registration and signal, and
turns every failure into advice a person can follow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import serial

from .at import AtChannel, AtTimeout
from .dialects import PROFILES, Dialect
from .setup import (
    ModemInfo,
    ModemProblem,
    identify,
    lock_advice,
    network,
    query_sim,
    read_iccid,
    wake,
)
from .transport import SerialTransport, open_advice

BY_ID = Path("/dev/serial/by-id")


@dataclass
class ProbeResult:
    device: str
    info: ModemInfo | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def candidate_ports() -> list[str]:
    """Stable names of USB serial ports that may be modem AT ports."""
    if not BY_ID.is_dir():
        return []
    return sorted(str(p) for p in BY_ID.iterdir())


def modem_manager_running(proc: Path = Path("/proc")) -> bool:
    """ModemManager grabs modem ports and garbles our replies (hardware-and-os.md §5.4)."""
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "ModemManager":
                return True
        except OSError:
            continue
    return False


def probe(device: str, *, timeout: float = 3.0) -> ProbeResult:
    result = ProbeResult(device)
    if not os.access(device, os.R_OK | os.W_OK) and os.path.exists(device):
        result.problems.append(f"No permission to use {device}: add the service user to the "
                               "'dialout' group (sudo usermod -aG dialout switchboard).")
        return result
    transport = SerialTransport(device, name="doctor", on_bytes=lambda b: chan.feed(b),
                                on_lost=lambda exc: chan.abort(str(exc)))
    chan = AtChannel(transport.write, lambda line: None, timeout=timeout)
    try:
        transport.open()
    except (serial.SerialException, OSError) as exc:
        result.problems.append(open_advice(device, exc))
        return result
    try:
        _inspect(chan, result)
    finally:
        transport.close()
    return result


def _inspect(chan: AtChannel, result: ProbeResult) -> None:
    try:
        wake(chan, attempts=3, timeout=1.0)
        _, info = identify(chan, None)
        sim, state = query_sim(chan)
        state = state or (f"error {sim.error}" if sim.error else sim.final)
        info = replace(info, sim=state)
        if state == "READY":
            info = replace(info, iccid=read_iccid(chan, PROFILES[Dialect(info.dialect)]))
        result.info = network(chan, info)
    except (ModemProblem, AtTimeout) as exc:
        result.problems.append(getattr(exc, "reason", str(exc)))
        return
    result.problems.extend(_advice(result.info))


def _advice(info: ModemInfo) -> list[str]:
    advice = []
    if info.sim == "SIM PIN":
        advice.append("The SIM asks for a PIN: set 'pin' for this line in the config file.")
    elif info.sim == "SIM PUK":
        advice.append("The SIM is locked (PUK): unlock it in a phone.")
    elif info.sim.startswith(("PH-", "SIM PIN2", "SIM PUK2")):
        advice.append(lock_advice(info.sim))
    elif info.sim != "READY":
        advice.append(f"SIM not ready ({info.sim}): check that a SIM card is inserted.")
    if info.sim == "READY" and not info.registered:
        advice.append(f"Not registered ({info.registration}): check the antenna, coverage and "
                      "that the SIM's contract is active.")
    if info.signal_dbm is None and info.sim == "READY":
        advice.append("No signal: connect the antenna or move the modem.")
    return advice
