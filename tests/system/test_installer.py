"""image/install.sh for real, into a fake root: install, install again (nothing changes), keep the
owner's settings and data, uninstall, purge; and the settings it writes for the devices it finds.

The fake root starts with this machine's /etc/passwd and /etc/group (an existing Debian, where
dialout and audio exist) and fake modems and sound cards under dev/ and proc/. The app's venv is
made with Debian's /usr/bin/python3 and pip installs the app's dependencies (PyPI or pip's cache):
this is the slow part, about 15 s.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from appliance.ops.settings import load_settings

from .conftest import DEBIAN_PYTHON, INSTALL_SH, need, need_root, report, run

SIMCOM_ID = "usb-SimTech__Incorporated_SimTech__Incorporated_0123456789ABCDEF"
QUECTEL_ID = "usb-Quectel_EC25_0000"
CARDS = """\
 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
 1 [hs1_1_3        ]: USB-Audio - USB PnP Sound Device
                      C-Media Electronics Inc. USB PnP Sound Device at usb-xhci-hcd.0-1.3, full
 2 [gsm1_1_4       ]: USB-Audio - EC25
                      Quectel EC25 at usb-xhci-hcd.0-1.4, high speed
 3 [hs1_1_1        ]: USB-Audio - USB Audio Device
                      GeneralPlus USB Audio Device at usb-xhci-hcd.0-1.1, full speed
"""


def tree_hash(root: Path) -> str:
    """Paths, types, modes, owners, link targets and contents; not timestamps."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            digest.update(f"{path.relative_to(root)}|{stat.filemode(st.st_mode)}|"
                          f"{st.st_uid}:{st.st_gid}|".encode())
            if stat.S_ISLNK(st.st_mode):
                digest.update(os.readlink(path).encode())
            elif stat.S_ISREG(st.st_mode):
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fake_root(root: Path, *, modems: bool = True, cards: bool = True) -> Path:
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group"):
        shutil.copy(f"/etc/{name}", root / "etc" / name)
    (root / "etc/hostname").write_text("switchboard\n")
    if modems:
        plug_modem(root, SIMCOM_ID, 2, 4)
        plug_modem(root, QUECTEL_ID, 2)
    if cards:
        (root / "proc/asound").mkdir(parents=True)
        (root / "proc/asound/cards").write_text(CARDS)
    (root / "lib/systemd/system").mkdir(parents=True)
    (root / "lib/systemd/system/ModemManager.service").write_text("[Service]\n")
    return root


def plug_modem(root: Path, usb_id: str, *interfaces: int) -> None:
    by_id = root / "dev/serial/by-id"
    by_id.mkdir(parents=True, exist_ok=True)
    for number in interfaces:
        os.symlink(f"../../ttyUSB{number}", by_id / f"{usb_id}-if{number:02d}-port0")


def install(root: Path, *args: str | Path, timeout: int = 600):
    started = time.monotonic()
    result = run(["bash", INSTALL_SH, "--root", root, *args], timeout=timeout)
    return result, time.monotonic() - started


def ids_of(root: Path, name: str, database: str) -> int:
    for line in (root / "etc" / database).read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            return int(fields[2])
    raise AssertionError(f"{name} is not in {database}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory, app_wheel):
    """One real install into a fake root, shared by the checks below (they must not change it)."""
    need_root()
    for tool in ("systemd-sysusers", "systemd-tmpfiles", "systemctl"):
        need(tool)
    if run([DEBIAN_PYTHON, "-c", "import ensurepip, venv"]).returncode != 0:
        pytest.skip(f"{DEBIAN_PYTHON} cannot make venvs (apt-get install -y python3-venv)")
    root = fake_root(tmp_path_factory.mktemp("install") / "root")
    result, seconds = install(root, "--wheel", app_wheel)
    assert result.returncode == 0, result.stdout + result.stderr
    report(f"install.sh --root (new venv, app and dependencies): {seconds:.1f} s")
    return root, result.stdout


def test_files_land_where_the_units_expect_them(installed):
    root, _ = installed
    for path, mode in (("usr/local/lib/systemd/system/switchboard.service", 0o644),
                       ("usr/local/lib/systemd/system/switchboard.socket", 0o644),
                       ("usr/local/lib/udev/rules.d/70-switchboard.rules", 0o644),
                       ("usr/local/lib/sysusers.d/switchboard.conf", 0o644),
                       ("usr/local/lib/tmpfiles.d/switchboard.conf", 0o644),
                       ("etc/avahi/services/switchboard.service", 0o644),
                       ("opt/switchboard/install.sh", 0o755),
                       ("opt/switchboard/check-system.sh", 0o755)):
        assert (root / path).is_file(), path
        assert (root / path).stat().st_mode & 0o777 == mode, path
    link = os.readlink(root / "usr/local/bin/switchboard")
    assert link == "/opt/switchboard/venv/bin/switchboard"


def test_the_installed_app_runs_from_its_venv(installed):
    root, _ = installed
    venv = root / "opt/switchboard/venv"
    result = run([venv / "bin/switchboard", "--help"])
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout
    assert "doctor" in result.stdout
    result = run([venv / "bin/python", "-c",
                  "import appliance.ops.cli, web, flask, waitress, serial, alsaaudio, gpiozero"])
    assert result.returncode == 0, result.stderr


def test_the_user_and_its_groups(installed):
    root, _ = installed
    uid = ids_of(root, "switchboard", "passwd")
    gid = ids_of(root, "switchboard", "group")
    assert ids_of(root, "dialout", "group") == 20, "existing groups keep their ids"
    groups = {line.split(":")[0]: line.split(":")[3].split(",")
              for line in (root / "etc/group").read_text().splitlines()}
    assert {name for name, members in groups.items() if "switchboard" in members} == {
        "dialout", "audio", "gpio"}
    data = (root / "var/lib/switchboard").stat()
    assert (data.st_uid, data.st_gid, data.st_mode & 0o777) == (uid, gid, 0o700)
    settings = (root / "etc/switchboard/switchboard.toml").stat()
    assert (settings.st_uid, settings.st_gid, settings.st_mode & 0o777) == (0, gid, 0o640)


def test_units_enabled_and_modemmanager_masked(installed):
    root, out = installed
    wants = root / "etc/systemd/system"
    assert os.readlink(wants / "multi-user.target.wants/switchboard.service") == \
        "/usr/local/lib/systemd/system/switchboard.service"
    assert os.readlink(wants / "sockets.target.wants/switchboard.socket") == \
        "/usr/local/lib/systemd/system/switchboard.socket"
    assert os.readlink(wants / "ModemManager.service") == "/dev/null"
    assert "garbles Switchboard's replies" in out, "the installer says why it masks it"
    assert "http://switchboard.local/" in out


def test_the_settings_name_the_modems_and_handsets_found(installed):
    root, _ = installed
    settings = load_settings(root / "etc/switchboard/switchboard.toml")
    assert str(settings.data_dir) == "/var/lib/switchboard"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)  # noqa: S104 - the fallback
    lines = {line.device: line for line in settings.lines}
    assert set(lines) == {f"/dev/serial/by-id/{QUECTEL_ID}-if02-port0",
                          f"/dev/serial/by-id/{SIMCOM_ID}-if02-port0"}
    simcom = lines[f"/dev/serial/by-id/{SIMCOM_ID}-if02-port0"]
    assert simcom.audio_serial == f"/dev/serial/by-id/{SIMCOM_ID}-if04-port0"
    assert lines[f"/dev/serial/by-id/{QUECTEL_ID}-if02-port0"].audio_serial is None
    assert [(h.station, h.hook, h.ring_mode, h.forward_reverse, h.audio_playback)
            for h in settings.handsets] == [
        ("desk-1", 27, 17, 4, "plughw:CARD=hs1_1_3,DEV=0"),
        ("desk-2", 23, 22, 5, "plughw:CARD=hs1_1_1,DEV=0")], "not the modem's own card"


def test_second_run_changes_nothing_and_keeps_the_owners_files(installed, app_wheel):
    root, _ = installed
    settings = root / "etc/switchboard/switchboard.toml"
    original = settings.read_text()
    try:
        settings.write_text(original + "# the owner's note\n")
        (root / "var/lib/switchboard/config.json").write_text('{"teams": {}}')
        plug_modem(root, "usb-HUAWEI_Mobile_000", 1, 2)      # a new modem does not rewrite it
        before = tree_hash(root)
        result, seconds = install(root, "--wheel", app_wheel)
        assert result.returncode == 0, result.stdout + result.stderr
        report(f"install.sh --root, second run (nothing to do): {seconds:.1f} s")
        assert tree_hash(root) == before, "a second run changed the fake root"
        assert "is up to date" in result.stdout
        assert "Keeping the settings" in result.stdout
        assert "installed " not in result.stdout
    finally:
        for link in (root / "dev/serial/by-id").glob("usb-HUAWEI*"):
            link.unlink()
        (root / "var/lib/switchboard/config.json").unlink(missing_ok=True)
        settings.write_text(original)


def test_uninstall_keeps_data_and_settings_then_purge_removes_them(installed, tmp_path):
    root, _ = installed
    work = tmp_path / "root"
    shutil.copytree(root, work, symlinks=True)     # the module's install stays for other tests
    (work / "var/lib/switchboard/history.sqlite3").write_bytes(b"calls")
    result, _ = install(work, "--uninstall")
    assert result.returncode == 0, result.stdout + result.stderr
    for gone in ("usr/local/lib/systemd/system/switchboard.service",
                 "usr/local/lib/systemd/system/switchboard.socket",
                 "usr/local/lib/udev/rules.d/70-switchboard.rules",
                 "usr/local/lib/sysusers.d/switchboard.conf",
                 "usr/local/lib/tmpfiles.d/switchboard.conf",
                 "etc/avahi/services/switchboard.service",
                 "etc/systemd/system/multi-user.target.wants/switchboard.service",
                 "etc/systemd/system/sockets.target.wants/switchboard.socket",
                 "usr/local/bin/switchboard", "opt/switchboard"):
        assert not (work / gone).exists(), gone
        assert not (work / gone).is_symlink(), gone
    assert (work / "var/lib/switchboard/history.sqlite3").read_bytes() == b"calls"
    assert (work / "etc/switchboard/switchboard.toml").is_file()
    assert "ModemManager stays masked" in result.stdout
    result, _ = install(work, "--uninstall", "--purge")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (work / "var/lib/switchboard").exists()
    assert not (work / "etc/switchboard").exists()


# --- Settings without a venv: --print-config and --refresh-config (fast) ---------------------

def test_print_config_with_nothing_plugged_in(tmp_path):
    root = fake_root(tmp_path / "root", modems=False, cards=False)
    result = run(["bash", INSTALL_SH, "--root", root, "--print-config"])
    assert result.returncode == 0, result.stderr
    toml = tmp_path / "switchboard.toml"
    toml.write_text(result.stdout)
    settings = load_settings(toml)
    assert settings.lines == ()
    assert settings.handsets == ()
    assert "# [[lines]]" in result.stdout
    assert "# [[handsets]]" in result.stdout


def test_refresh_config_fills_in_modems_plugged_in_later_but_never_an_edited_file(tmp_path):
    need_root()
    root = fake_root(tmp_path / "root", modems=False, cards=False)
    settings = root / "etc/switchboard/switchboard.toml"

    def refresh():
        result = run(["bash", INSTALL_SH, "--root", root, "--refresh-config"])
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    refresh()                                   # the image build: no modem yet
    assert "[[lines]]\n" not in settings.read_text().replace("# [[lines]]", "")
    plug_modem(root, SIMCOM_ID, 2, 4)
    assert "wrote /etc/switchboard/switchboard.toml (refresh)" in refresh()   # first boot
    assert len(load_settings(settings).lines) == 1
    plug_modem(root, QUECTEL_ID, 2)
    assert "already names the modems" in refresh()
    assert len(load_settings(settings).lines) == 1

    settings.unlink()
    refresh()
    settings.write_text(settings.read_text() + "# edited by the owner\n")
    plug_modem(root, "usb-HUAWEI_Mobile_000", 2)
    assert "changed by hand" in refresh()
    assert settings.read_text().endswith("# edited by the owner\n")
