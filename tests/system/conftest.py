"""System packaging checks: systemd units, udev rules, sysusers, the installer and the pi-gen stage.

They run the real Debian tools (systemd-analyze, systemd-sysusers, systemd-tmpfiles, udevadm,
shellcheck) on the files under systemd/ and image/, and skip with the package to install when one
is missing. Figures worth reading in CI (the unit's security exposure, timings) are printed in a
"system checks" section at the end of the pytest run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEMD = REPO / "systemd"
IMAGE = REPO / "image"
STAGE = IMAGE / "stage-switchboard"
INSTALL_SH = IMAGE / "install.sh"
FIRSTBOOT_UNIT = STAGE / "02-firstboot" / "files" / "switchboard-firstboot.service"
UNITS = (SYSTEMD / "switchboard.service", SYSTEMD / "switchboard.socket", FIRSTBOOT_UNIT)
DEBIAN_PYTHON = Path("/usr/bin/python3")

# Lines for the terminal summary (see pytest_terminal_summary below).
REPORT: list[str] = []

# Debian package per tool, for the skip messages.
PACKAGES = {
    "systemd-analyze": "systemd",
    "systemd-sysusers": "systemd",
    "systemd-tmpfiles": "systemd",
    "systemd-socket-activate": "systemd",
    "systemctl": "systemd",
    "udevadm": "udev",
    "shellcheck": "shellcheck",
    "unshare": "util-linux",
}


def need(tool: str) -> str:
    """The tool's path, or skip the test naming the Debian package that has it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install -y {PACKAGES.get(tool, tool)})")
    return path


def report(line: str) -> None:
    REPORT.append(line)


def run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; never raises on a non-zero exit."""
    kwargs.setdefault("timeout", 120)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,  # noqa: S603
                          check=False, **kwargs)


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (file ownership in the fake root, mount namespaces)")


@pytest.fixture(scope="session")
def app_wheel(tmp_path_factory) -> Path:
    """The app's wheel, built once from this source tree (setuptools may come from PyPI)."""
    out = tmp_path_factory.mktemp("wheel")
    result = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, REPO],
                 timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = sorted(out.glob("switchboard-*.whl"))
    assert wheels, f"pip wheel made no switchboard wheel in {out}"
    return wheels[0]


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.section("system checks")
        for line in REPORT:
            terminalreporter.write_line(line)
