"""Look at one modem without taking it over: what ``switchboard doctor`` prints for each port.

It never enters a SIM PIN (a wrong one counts towards locking the SIM) and never changes a
setting that survives the session; it reads identity, SIM state, registration and signal, and
turns every failure into advice a person can follow.
"""

from __future__ import annotations

import os
import re
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


# "usb-Quectel_EC25_0000-if02-port0": the device, then its USB interface.
_INTERFACE = re.compile(r"^(?P<device>.+)-if(?P<number>\d\d)(-port\d+)?$")
AT_INTERFACE = "02"      # SIMCom, Quectel and Huawei: the install's settings use it too
SERVICE = "switchboard"  # the running service's process name


def candidate_ports(by_id: Path = BY_ID) -> list[str]:
    """The AT port of each USB serial device: interface 02 where the device has one.

    A SIM7600 or an EC25 shows four or five ports (diagnostics, GPS, AT, PPP, audio); probing
    the others costs a timeout each and may upset them. A device without an interface 02
    (one port, or a layout we do not know) has each of its ports probed.
    """
    if not by_id.is_dir():
        return []
    devices: dict[str, list[tuple[str, Path]]] = {}
    for port in by_id.iterdir():
        match = _INTERFACE.match(port.name)
        device, number = (match["device"], match["number"]) if match else (port.name, "")
        devices.setdefault(device, []).append((number, port))
    chosen = []
    for ports in devices.values():
        at = [port for number, port in ports if number == AT_INTERFACE]
        chosen += at or [port for _, port in ports]
    return sorted(str(port) for port in chosen)


def holders(device: str, *, proc: Path = Path("/proc"), me: int | None = None) -> list[str]:
    """Other programs that have ``device`` open, as "name (pid N)"; as root, every one.

    The driver's exclusive lock only stops programs that ask for one; a probe sent into the
    running service's port would garble its answers, so the doctor looks before it opens.
    """
    target, me = os.path.realpath(device), os.getpid() if me is None else me
    found = []
    for fds in proc.glob("[0-9]*/fd"):
        pid = int(fds.parent.name)
        try:
            if pid != me and any(os.readlink(fd) == target for fd in fds.iterdir()):
                found.append(f"{(fds.parent / 'comm').read_text().strip()} (pid {pid})")
        except OSError:          # gone meanwhile, or not ours to look at
            continue
    return sorted(found)


def modem_manager_running(proc: Path = Path("/proc")) -> bool:
    """ModemManager grabs modem ports and garbles our replies."""
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
