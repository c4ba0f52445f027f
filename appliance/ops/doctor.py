"""``switchboard doctor``: check each modem, and baresip for analog lines and SIP phones, and
say what to do about anything wrong.

Prints a short report a non-engineer can act on; exits 1 when something needs attention.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TextIO

from appliance.ops import handset_checks, system_checks
from hardware.modem.probe import (
    SERVICE,
    ProbeResult,
    candidate_ports,
    holders,
    modem_manager_running,
    probe,
)

DEFAULT_DATA = Path("/var/lib/switchboard")
FIELDS = (("Model", "model"), ("Maker", "manufacturer"), ("Firmware", "firmware"),
          ("Dialect", "dialect"), ("IMEI", "imei"), ("SIM", "sim"), ("ICCID", "iccid"),
          ("Operator", "operator"), ("Network", "registration"), ("Signal", "signal_dbm"))


def devices_from_config(path: Path) -> list[str]:
    """The ``device`` of each ``[[lines]]`` entry of the appliance's TOML config."""
    return _devices(_read(path))


def _read(config: Path | None) -> dict[str, Any]:
    if config is None:
        return {}
    with config.open("rb") as f:
        return tomllib.load(f)


def _devices(doc: dict[str, Any]) -> list[str]:
    return [line["device"] for line in doc.get("lines", []) if line.get("device")]


def _only_analog(doc: dict[str, Any]) -> bool:
    """The settings name lines, and none is a modem: there is no modem to look for."""
    lines = doc.get("lines", [])
    return bool(lines) and all(line.get("kind") == "analog" for line in lines)


def run_doctor(config: Path | None, devices: list[str], out: TextIO, *,
               ring: str | None = None, pin_factory: Any = None) -> int:
    """``ring``: also ring that handset (its station id) for a second."""
    doc = _read(config)
    devices = devices or (_devices(doc) if config else candidate_ports())
    data_dir = Path(doc.get("data_dir", DEFAULT_DATA))
    healthy = _write(system_checks.all_checks(data_dir, doc.get("sip")), out)
    if config is not None and (doc.get("handsets") or ring is not None):
        healthy &= _handsets(config, out, ring, pin_factory)
    if not devices and _only_analog(doc):
        out.write("All looks fine.\n" if healthy else "Some things need attention (above).\n")
        return 0 if healthy else 1
    if modem_manager_running():
        healthy = False
        out.write("! ModemManager is running: it talks to modems and garbles Switchboard's "
                  "replies.\n  Fix: sudo systemctl disable --now ModemManager\n\n")
    if not devices:
        out.write("No modem found under /dev/serial/by-id. Plug the modem in (use a powered "
                  "USB hub or its own power supply) and run this again.\n")
        return 1
    for device in devices:
        held = holders(device)
        if held:
            healthy &= _in_use(device, held, out)
            continue
        result = probe(device)
        healthy &= result.ok
        _report(result, out)
    out.write("All modems look fine.\n" if healthy else "Some things need attention (above).\n")
    return 0 if healthy else 1


def _handsets(config: Path, out: TextIO, ring: str | None, pin_factory: Any) -> bool:
    """Each handset of the settings: its pins, its sound card, and the one to ring."""
    from appliance.ops.settings import SettingsError, load_settings
    from hardware.handset import HandsetPins

    try:
        settings = load_settings(config)
    except SettingsError as exc:
        out.write("! The settings file has mistakes: " + "; ".join(exc.problems) + "\n\n")
        return False
    findings = []
    for wiring in settings.handsets:
        pins = HandsetPins(wiring.hook, wiring.ring_mode, wiring.forward_reverse)
        findings.append(handset_checks.pins_free(wiring.station, pins, pin_factory))
        findings.append(handset_checks.sound_card(
            wiring.station, [wiring.audio_playback, wiring.audio_capture]))
        if ring == wiring.station:
            findings.append(handset_checks.ring_once(
                wiring.station, pins, wiring.ring or settings.country, pin_factory))
    if ring is not None and ring not in {w.station for w in settings.handsets}:
        findings.append(handset_checks.Finding(False, f"No handset '{ring}' in the settings."))
    return _write(findings, out)


def _write(findings: list[system_checks.Finding], out: TextIO) -> bool:
    """Each finding on a line ("!" when it needs doing), then a blank line; all fine?"""
    for finding in findings:
        out.write(("  " if finding.ok else "! ") + finding.message + "\n")
    if findings:
        out.write("\n")
    return all(f.ok for f in findings)


def _in_use(device: str, held: list[str], out: TextIO) -> bool:
    """Not probed: what holds the port, and whether that is fine (the service itself)."""
    out.write(f"Modem on {device}\n")
    if all(name.startswith(f"{SERVICE} ") for name in held):
        out.write(f"  In use by the running Switchboard service ({', '.join(held)}): its "
                  "Lines page shows this modem's state. To look at it here, stop the service "
                  "first: sudo systemctl stop switchboard\n\n")
        return True
    out.write(f"  ! In use by {', '.join(held)}: close that program (Switchboard needs the "
              "port to itself), then run this again.\n\n")
    return False


def _report(result: ProbeResult, out: TextIO) -> None:
    out.write(f"Modem on {result.device}\n")
    if result.info is not None:
        for label, name in FIELDS:
            value = getattr(result.info, name)
            if name == "signal_dbm":
                value = "none" if value is None else f"{value} dBm"
            out.write(f"  {label:<9} {value or '-'}\n")
    for problem in result.problems:
        out.write(f"  ! {problem}\n")
    out.write("  OK\n\n" if result.ok else "\n")
