"""Shell scripts (shellcheck, bash -n) and the pi-gen stage, which CI cannot build into an image.

The stage's scripts are run here with pi-gen's `on_chroot` replaced by a stub that records what
would run in the image's chroot, against a scratch ROOTFS_DIR.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from .conftest import IMAGE, INSTALL_SH, REPO, STAGE, need, run

SCRIPTS = sorted({*IMAGE.rglob("*.sh"), *(REPO / "scripts").glob("*.sh")}
                 - set((IMAGE / "build").rglob("*.sh")))


def script_id(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_there_are_scripts_to_check():
    names = {p.name for p in SCRIPTS}
    assert {"install.sh", "build.sh", "00-run.sh", "prerun.sh",
            "switchboard-firstboot.sh"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=script_id)
def test_shellcheck_is_clean(script):
    result = run([need("shellcheck"), "--shell=bash", "--external-sources", script],
                 cwd=script.parent)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=script_id)
def test_bash_can_parse_it_and_it_is_executable(script):
    result = run(["bash", "-n", script])
    assert result.returncode == 0, result.stderr
    assert script.stat().st_mode & stat.S_IXUSR, f"{script_id(script)} is not executable"
    assert script.read_text().startswith(("#!/bin/bash", "#!/usr/bin/env bash"))


def test_the_stage_has_what_pi_gen_expects():
    for path in ("prerun.sh", "EXPORT_IMAGE", "00-install-packages/00-packages",
                 "01-app/00-run.sh", "02-firstboot/00-run.sh",
                 "02-firstboot/files/switchboard-firstboot.service",
                 "02-firstboot/files/switchboard-firstboot.sh"):
        assert (STAGE / path).is_file(), path
    for run_script in STAGE.rglob("*-run*.sh"):
        assert os.access(run_script, os.X_OK), f"pi-gen skips {run_script} unless executable"
    for sub in STAGE.iterdir():
        if sub.is_dir():
            assert re.fullmatch(r"\d\d-[a-z0-9-]+", sub.name), f"pi-gen runs NN-name dirs: {sub}"


def test_the_image_config_ships_no_password():
    config = (IMAGE / "config").read_text()
    settings = dict(re.findall(r"^([A-Z_]+)=(.*)$", config, flags=re.M))
    assert "FIRST_USER_PASS" not in settings, "the image must not ship a default password"
    assert settings["DISABLE_FIRST_BOOT_USER_RENAME"] == "0"
    assert settings["RELEASE"] == "bookworm"
    assert settings["TARGET_HOSTNAME"] == "switchboard"
    assert settings["STAGE_LIST"] == '"stage0 stage1 stage2 stage-switchboard"'


def test_the_stage_installs_the_packages_install_sh_wants():
    listed = (STAGE / "00-install-packages" / "00-packages").read_text().split()
    match = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", INSTALL_SH.read_text())
    assert match
    assert sorted(listed) == sorted(match[1].split())
    assert "libnss-mdns" in listed      # plain Debian cannot resolve switchboard.local without


def test_build_script_pins_pi_gen():
    text = (IMAGE / "build.sh").read_text()
    tags = dict(re.findall(r"^readonly (PI_GEN_TAG_\w+)=(\S+)$", text, flags=re.M))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-raspios-bookworm-arm64", tags["PI_GEN_TAG_ARM64"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-raspios-bookworm-armhf", tags["PI_GEN_TAG_ARMHF"])
    assert "--branch \"$TAG\"" in text


STUB = 'on_chroot() { cat >> "$CHROOT_LOG"; }\nexport -f on_chroot\n'


@pytest.fixture
def prepared_stage(tmp_path):
    """build.sh --prepare-only into a fake pi-gen checkout, with a stand-in wheel."""
    pi_gen = tmp_path / "pi-gen"
    (pi_gen / "stage2").mkdir(parents=True)
    (pi_gen / "build.sh").write_text("#!/bin/bash\n")
    wheel = tmp_path / "switchboard-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a real wheel: the stub chroot never opens it")
    result = run(["bash", IMAGE / "build.sh", "--prepare-only", "--pi-gen", pi_gen,
                  "--wheel", wheel])
    assert result.returncode == 0, result.stdout + result.stderr
    return pi_gen


def test_build_prepares_a_complete_stage(prepared_stage):
    files = prepared_stage / "stage-switchboard" / "01-app" / "files"
    assert (files / "switchboard-0.1.0-py3-none-any.whl").is_file()
    assert os.access(files / "src/image/install.sh", os.X_OK)
    assert (files / "src/image/avahi/switchboard-http.xml").is_file()
    assert (files / "src/systemd/switchboard.service").is_file()
    assert (files / "src/systemd/udev/70-switchboard.rules").is_file()
    assert os.access(files / "src/scripts/check-system.sh", os.X_OK)
    assert (prepared_stage / "config").read_text() == (IMAGE / "config").read_text()
    assert (prepared_stage / "stage2" / "SKIP_IMAGES").exists(), "only our image is exported"


def stage_step(stage: Path, step: str, rootfs: Path, log: Path):
    env = {**os.environ, "ROOTFS_DIR": str(rootfs), "CHROOT_LOG": str(log)}
    return run(["bash", "-c", STUB + "exec ./00-run.sh"], cwd=stage / step, env=env)


def test_app_step_runs_install_sh_in_the_chroot(prepared_stage, tmp_path):
    rootfs, log = tmp_path / "rootfs", tmp_path / "chroot.log"
    (rootfs / "var/lib/switchboard").mkdir(parents=True)
    result = stage_step(prepared_stage / "stage-switchboard", "01-app", rootfs, log)
    assert result.returncode == 0, result.stdout + result.stderr
    chroot = log.read_text()
    assert re.search(r"^PIP_NO_CACHE_DIR=1 /root/switchboard-install/image/install\.sh "
                     r"--wheel /root/switchboard-install/switchboard-0\.1\.0-py3-none-any\.whl$",
                     chroot, flags=re.M), chroot
    assert not (rootfs / "root/switchboard-install").exists(), "the staging copy is removed"


def test_app_step_refuses_an_image_with_data_in_it(prepared_stage, tmp_path):
    rootfs, log = tmp_path / "rootfs", tmp_path / "chroot.log"
    (rootfs / "var/lib/switchboard").mkdir(parents=True)
    (rootfs / "var/lib/switchboard/config.json").write_text("{}")
    result = stage_step(prepared_stage / "stage-switchboard", "01-app", rootfs, log)
    assert result.returncode != 0
    assert "must be made on the box" in result.stderr


def test_firstboot_step_installs_the_unit_and_removes_secrets(tmp_path):
    rootfs, log = tmp_path / "rootfs", tmp_path / "chroot.log"
    (rootfs / "etc/ssh").mkdir(parents=True)
    (rootfs / "var/lib/systemd").mkdir(parents=True)
    for name in ("ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "ssh_host_rsa_key"):
        (rootfs / "etc/ssh" / name).write_text("from the build machine")
    (rootfs / "etc/ssh/sshd_config").write_text("# kept\n")
    (rootfs / "var/lib/systemd/random-seed").write_bytes(b"same on every card")
    result = stage_step(STAGE, "02-firstboot", rootfs, log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (rootfs / "usr/local/lib/systemd/system/switchboard-firstboot.service").is_file()
    assert os.access(rootfs / "usr/local/sbin/switchboard-firstboot", os.X_OK)
    assert (rootfs / "etc/switchboard/firstboot-pending").exists()
    assert sorted(p.name for p in (rootfs / "etc/ssh").iterdir()) == ["sshd_config"]
    assert not (rootfs / "var/lib/systemd/random-seed").exists()
    assert "systemctl enable switchboard-firstboot.service avahi-daemon.service" in log.read_text()


def test_install_sh_dry_run_changes_nothing(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    wheel = tmp_path / "switchboard-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"unused in a dry run with no venv yet")
    result = run(["bash", INSTALL_SH, "--dry-run", "--root", root, "--wheel", wheel])
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for planned in ("would install /usr/local/lib/systemd/system/switchboard.service",
                    "would install /usr/local/lib/udev/rules.d/70-switchboard.rules",
                    "would run: systemd-sysusers", "would run: " + "/usr/bin/python3 -m venv",
                    "would write /etc/switchboard/switchboard.toml",
                    "would run: systemctl --root=" + str(root) + " enable"):
        assert planned in out, planned
    assert list(root.iterdir()) == [], "a dry run must not create anything"


def test_install_sh_says_how_to_use_it():
    result = run(["bash", INSTALL_SH, "--help"])
    assert result.returncode == 0
    assert "--uninstall" in result.stdout
    assert "--root DIR" in result.stdout
    result = run(["bash", INSTALL_SH, "--bogus"])
    assert result.returncode == 2
    assert "unknown option" in result.stderr
