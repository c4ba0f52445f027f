"""The box around the appliance, for ``switchboard doctor``: service, permissions, clock, disk,
and SIP (baresip and the interface it listens on).

Each check returns ``Finding``s a person can act on. Commands run with argument lists and a
timeout; a missing tool means "could not check", never a crash.
"""

from __future__ import annotations

import grp
import pwd
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from appliance.core.clock import NTP_SYNCED_FLAG
from hardware.sip.network import NoAddress, address_of

SERVICE = "switchboard"
SERVICE_USER = "switchboard"
NEEDED_GROUPS = ("dialout", "audio", "gpio")
LOW_DISK_BYTES = 500 * 1024 * 1024
SD_ERROR_WORDS = ("mmc", "I/O error", "EXT4-fs error", "Buffer I/O")


@dataclass(frozen=True)
class Finding:
    ok: bool
    message: str


Runner = Callable[[list[str]], str | None]


def run(command: list[str]) -> str | None:
    """Output of a system tool, or None when it is missing or fails to run."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout


# Where systemd looks for units, the installer's own folder included (image/install.sh puts
# the service in /usr/local/lib/systemd/system, which a distribution's packages never use).
UNIT_DIRS = (Path("/etc/systemd/system"), Path("/usr/local/lib/systemd/system"),
             Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))


def service(runner: Runner = run, unit_dirs: tuple[Path, ...] = UNIT_DIRS) -> Finding:
    if not any((d / f"{SERVICE}.service").exists() for d in unit_dirs):
        return Finding(True, "Service: not installed as a service here (fine for the demo).")
    state = runner(["systemctl", "is-active", SERVICE])
    if state is None:
        return Finding(False, "Service: installed, but systemctl is missing or not answering.")
    state = state.strip()
    if state == "active":
        return Finding(True, "Service: running.")
    return Finding(False, f"Service: {state or 'unknown'}. Start it with "
                          f"'sudo systemctl enable --now {SERVICE}' and see "
                          f"'journalctl -u {SERVICE}' for why it stopped.")


def groups(user: str = SERVICE_USER) -> Finding:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return Finding(True, f"Permissions: no '{user}' user here (not installed as a service).")
    missing = [g for g in NEEDED_GROUPS if not _member(user, g)]
    if missing:
        return Finding(False, f"Permissions: '{user}' is not in {', '.join(missing)}: "
                              f"sudo usermod -aG {','.join(missing)} {user}")
    return Finding(True, f"Permissions: '{user}' may use modems, sound cards and GPIO.")


def _member(user: str, group: str) -> bool:
    try:
        entry = grp.getgrnam(group)
    except KeyError:
        return False
    return user in entry.gr_mem or pwd.getpwnam(user).pw_gid == entry.gr_gid


def clock(flag: Path = NTP_SYNCED_FLAG) -> Finding:
    if flag.exists():
        return Finding(True, "Clock: set by NTP.")
    return Finding(True, "Clock: no NTP; Switchboard takes the time from the mobile network "
                         "once a modem is registered (shown on the page).")


def disk(path: Path) -> Finding:
    target = path if path.exists() else Path("/")
    usage = shutil.disk_usage(target)
    free_mb = usage.free // (1024 * 1024)
    if usage.free < LOW_DISK_BYTES or usage.free < usage.total * 0.05:
        return Finding(False, f"Disk: only {free_mb} MB free on {target}: delete old "
                              "voicemail or audio from the page, or use a larger SD card.")
    return Finding(True, f"Disk: {free_mb} MB free on {target}.")


def sd_card(runner: Runner = run) -> Finding:
    log = runner(["journalctl", "-k", "-p", "err", "-q", "--no-pager", "-n", "500"])
    if log is None:
        return Finding(True, "SD card: could not read the kernel log (run doctor with sudo).")
    errors = [line for line in log.splitlines() if any(w in line for w in SD_ERROR_WORDS)]
    if errors:
        return Finding(False, f"SD card: {len(errors)} storage errors in the kernel log (e.g. "
                              f"'{errors[-1].strip()[:80]}'). Back up now (switchboard backup) "
                              "and replace the SD card.")
    return Finding(True, "SD card: no storage errors in the kernel log.")


def sip(table: dict | None, which: Callable[[str], str | None] = shutil.which) -> list[Finding]:
    """baresip, and the interface ``[sip] listen`` names, for analog lines and SIP phones."""
    if table is None:
        return []
    if which("baresip") is None:
        return [Finding(False, "SIP: baresip is not installed, so analog lines and SIP phones "
                               "cannot work. Fix: sudo apt install baresip-core, then sudo "
                               "systemctl restart switchboard")]
    listen = str(table.get("listen", ""))
    try:
        address = address_of(listen)
    except NoAddress as exc:
        return [Finding(False, f"SIP: {exc}")]
    return [Finding(True, f"SIP: baresip is installed and listens on {listen} ({address}), "
                          f"port {table.get('port', 5060)}, and nowhere else.")]


def all_checks(data_dir: Path, sip_table: dict | None = None) -> list[Finding]:
    return [service(), groups(), clock(), disk(data_dir), sd_card(), *sip(sip_table)]
