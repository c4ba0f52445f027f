"""The systemd units, the service user and tmpfiles, checked with systemd's own offline tools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import FIRSTBOOT_UNIT, SYSTEMD, UNITS, need, need_root, report, run

SERVICE = SYSTEMD / "switchboard.service"
SOCKET = SYSTEMD / "switchboard.socket"
SYSUSERS = SYSTEMD / "sysusers.d" / "switchboard.conf"
TMPFILES = SYSTEMD / "tmpfiles.d" / "switchboard.conf"
MAX_EXPOSURE = 3.0


def verifiable_copies(directory: Path, units: tuple[Path, ...] = UNITS) -> list[Path]:
    """Copies of the units with ExecStart's program replaced by one that exists here.

    `systemd-analyze verify` insists that the program exists (``--root`` does not change that),
    and the venv and the first-boot script exist only on a Pi. The arguments are kept.
    """
    copies = []
    for unit in units:
        text = re.sub(r"^(ExecStart=)\S+", r"\1/bin/true", unit.read_text(), flags=re.M)
        copy = directory / unit.name
        copy.write_text(text)
        copies.append(copy)
    return copies


def verify(paths: list[Path]) -> str:
    """Everything `systemd-analyze verify` says. It exits 0 on unknown keys and bad values,
    so the only trustworthy verdict is silence."""
    result = run([need("systemd-analyze"), "verify", *paths], cwd=paths[0].parent)
    return (result.stdout + result.stderr).strip() + (
        f"\n(exit {result.returncode})" if result.returncode else "")


def unit_settings(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_every_unit_verifies_without_a_word(tmp_path):
    out = verify(verifiable_copies(tmp_path))
    assert out == "", f"systemd-analyze verify complained:\n{out}"


def test_verify_does_speak_up_on_a_typo(tmp_path):
    """Guards the guard: if verify stopped printing warnings, the test above would prove nothing."""
    copies = verifiable_copies(tmp_path)
    service = next(c for c in copies if c.name == "switchboard.service")
    service.write_text(service.read_text().replace("Restart=on-failure", "Restartt=on-failure")
                       .replace("WatchdogSec=30", "WatchdogSec=thirty"))
    out = verify(copies)
    assert "Restartt" in out
    assert "thirty" in out


def test_service_exposure_is_below_3(tmp_path):
    need("systemd-analyze")
    (copy,) = verifiable_copies(tmp_path, (SERVICE,))
    result = run(["systemd-analyze", "security", "--offline=yes", copy], cwd=tmp_path)
    match = re.search(r"Overall exposure level for switchboard\.service: (\d+\.\d+) (\w+)",
                      result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    exposure, verdict = float(match[1]), match[2]
    report(f"systemd-analyze security --offline=yes switchboard.service: "
           f"overall exposure {exposure} {verdict} (must stay below {MAX_EXPOSURE})")
    print(f"switchboard.service exposure: {exposure} {verdict}")
    assert exposure < MAX_EXPOSURE, result.stdout


def test_the_service_is_what_the_app_and_the_installer_expect():
    service = unit_settings(SERVICE)
    assert service["Type"] == ["notify"]
    assert service["NotifyAccess"] == ["main"]
    assert service["WatchdogSec"] == ["30"]
    assert service["Restart"] == ["on-failure"]
    assert service["ExecStart"] == [
        "/opt/switchboard/venv/bin/switchboard run --config /etc/switchboard/switchboard.toml"]
    assert service["User"] == ["switchboard"]
    assert service["StateDirectory"] == ["switchboard"]
    assert service["ConfigurationDirectory"] == ["switchboard"]
    assert service["CapabilityBoundingSet"] == [""]
    assert service["AmbientCapabilities"] == [""]
    assert service["DevicePolicy"] == ["closed"]
    # Device groups from /proc/devices; a path glob like /dev/ttyUSB* would be silently useless.
    allowed = {entry.split()[0] for entry in service["DeviceAllow"]}
    assert allowed == {"char-ttyUSB", "char-ttyACM", "char-alsa", "char-gpiochip"}
    assert "PrivateDevices" not in service, "it would hide the modems and sound cards"
    assert set(service["SupplementaryGroups"][0].split()) == {"dialout", "audio", "gpio"}
    assert "yes" in service["MemoryDenyWriteExecute"]


def test_the_socket_hands_port_80_to_the_service():
    socket = unit_settings(SOCKET)
    assert socket["ListenStream"] == ["80"]
    assert socket["Service"] == ["switchboard.service"]
    assert "Accept" not in socket, "one long-running service takes the listening socket"
    assert "switchboard.socket" in unit_settings(SERVICE)["Wants"][0]


def test_first_boot_runs_once_before_the_service():
    unit = unit_settings(FIRSTBOOT_UNIT)
    assert unit["Type"] == ["oneshot"]
    assert unit["ConditionPathExists"] == ["/etc/switchboard/firstboot-pending"]
    assert "switchboard.service" in unit["Before"][0].split()


def groups_of(root: Path) -> dict[str, tuple[int, set[str]]]:
    groups = {}
    for line in (root / "etc/group").read_text().splitlines():
        name, _, gid, members = line.split(":")
        groups[name] = (int(gid), {m for m in members.split(",") if m})
    return groups


def passwd_of(root: Path) -> dict[str, list[str]]:
    return {line.split(":")[0]: line.split(":")
            for line in (root / "etc/passwd").read_text().splitlines()}


def test_sysusers_creates_the_user_with_only_its_groups(tmp_path):
    need("systemd-sysusers")
    (tmp_path / "etc").mkdir()
    result = run(["systemd-sysusers", f"--root={tmp_path}", SYSUSERS.resolve()])
    assert result.returncode == 0, result.stderr
    user = passwd_of(tmp_path)["switchboard"]
    assert user[5] == "/var/lib/switchboard"
    assert user[6] in ("/usr/sbin/nologin", "/sbin/nologin")
    assert int(user[2]) < 1000, "a system user"
    groups = groups_of(tmp_path)
    member_of = {name for name, (_, members) in groups.items() if "switchboard" in members}
    assert member_of == {"dialout", "audio", "gpio"}
    assert int(user[3]) == groups["switchboard"][0]


def test_sysusers_keeps_existing_groups_and_adds_gpio(tmp_path):
    """On Debian dialout and audio exist (gids 20 and 29); gpio does not."""
    need("systemd-sysusers")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/group").write_text("root:x:0:\ndialout:x:20:\naudio:x:29:pulse\n")
    (tmp_path / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert run(["systemd-sysusers", f"--root={tmp_path}", SYSUSERS.resolve()]).returncode == 0
    groups = groups_of(tmp_path)
    assert groups["dialout"] == (20, {"switchboard"})
    assert groups["audio"] == (29, {"pulse", "switchboard"})
    assert "switchboard" in groups["gpio"][1]
    before = (tmp_path / "etc/group").read_text()
    assert run(["systemd-sysusers", f"--root={tmp_path}", SYSUSERS.resolve()]).returncode == 0
    assert (tmp_path / "etc/group").read_text() == before, "a second run changes nothing"


def test_tmpfiles_makes_the_data_dir_private_and_the_settings_readable_by_the_group(tmp_path):
    need_root()
    need("systemd-sysusers")
    need("systemd-tmpfiles")
    (tmp_path / "etc/switchboard").mkdir(parents=True)
    assert run(["systemd-sysusers", f"--root={tmp_path}", SYSUSERS.resolve()]).returncode == 0
    settings = tmp_path / "etc/switchboard/switchboard.toml"
    settings.write_text('data_dir = "/var/lib/switchboard"\npin = "1234"\n')
    settings.chmod(0o644)
    result = run(["systemd-tmpfiles", f"--root={tmp_path}", "--create", TMPFILES.resolve()])
    assert result.returncode == 0, result.stderr
    uid = int(passwd_of(tmp_path)["switchboard"][2])
    gid = groups_of(tmp_path)["switchboard"][0]
    data = (tmp_path / "var/lib/switchboard").stat()
    assert (data.st_uid, data.st_gid, data.st_mode & 0o777) == (uid, gid, 0o700)
    st = settings.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, gid, 0o640)
    assert settings.read_text().endswith('pin = "1234"\n'), "z never changes the content"


@pytest.mark.parametrize("unit", [u.name for u in UNITS])
def test_units_are_plain_ascii_with_a_description(unit):
    path = next(u for u in UNITS if u.name == unit)
    text = path.read_text()
    assert text.isascii()
    assert "Description" in unit_settings(path)
