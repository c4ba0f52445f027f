"""switchboard doctor's checks of the box: each problem comes with what to do."""

from __future__ import annotations

import re
from collections import namedtuple
from pathlib import Path

from appliance.ops import system_checks as sc

Usage = namedtuple("Usage", "total used free")


def test_service_not_installed_is_fine(tmp_path):
    assert sc.service(lambda cmd: "inactive\n", (tmp_path,)).ok


def test_service_installed_and_running_or_not(tmp_path):
    (tmp_path / "switchboard.service").write_text("[Unit]\n")
    assert sc.service(lambda cmd: "active\n", (tmp_path,)).ok
    stopped = sc.service(lambda cmd: "failed\n", (tmp_path,))
    assert not stopped.ok
    assert "journalctl -u switchboard" in stopped.message


def test_doctor_looks_where_the_installer_puts_the_unit():
    installer = (Path(__file__).parents[2] / "image" / "install.sh").read_text()
    [unit_dir] = re.findall(r"^readonly UNIT_DIR=(\S+)$", installer, flags=re.M)
    assert Path(unit_dir) in sc.UNIT_DIRS


def test_low_disk(tmp_path, mocker):
    mocker.patch("shutil.disk_usage", return_value=Usage(16 * 2**30, 0, 100 * 2**20))
    finding = sc.disk(tmp_path)
    assert (finding.ok, "only 100 MB free" in finding.message) == (False, True)
    mocker.patch("shutil.disk_usage", return_value=Usage(16 * 2**30, 0, 8 * 2**30))
    assert sc.disk(tmp_path).ok


def test_sd_card_errors_in_the_kernel_log():
    log = "Nov 25 kernel: mmc0: error -110 whilst initialising SD card\n"
    finding = sc.sd_card(lambda cmd: log)
    assert not finding.ok
    assert "replace the SD card" in finding.message
    assert sc.sd_card(lambda cmd: "").ok
    assert "could not read" in sc.sd_card(lambda cmd: None).message


def test_clock_source(tmp_path):
    assert "no NTP" in sc.clock(tmp_path / "synchronized").message
    (tmp_path / "synchronized").touch()
    assert sc.clock(tmp_path / "synchronized").message == "Clock: set by NTP."


def test_groups_of_a_missing_user():
    assert sc.groups("no-such-user-here").ok


def test_sip_is_checked_only_when_the_settings_have_it():
    assert sc.sip(None) == []


def test_sip_without_baresip_says_how_to_install_it():
    [finding] = sc.sip({"listen": "lo"}, which=lambda name: None)
    assert not finding.ok
    assert "sudo apt install baresip-core" in finding.message


def test_sip_names_the_interface_and_its_address_or_what_to_fix():
    [good] = sc.sip({"listen": "lo", "port": 5062}, which=lambda name: "/usr/bin/x")
    assert good.ok
    assert "listens on lo (127.0.0.1), port 5062, and nowhere else" in good.message
    [bad] = sc.sip({"listen": "wlan9"}, which=lambda name: "/usr/bin/x")
    assert not bad.ok
    assert "'wlan9' has no address" in bad.message
