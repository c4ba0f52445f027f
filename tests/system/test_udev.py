"""systemd/udev/70-switchboard.rules: a linter, then udevadm itself on a fake sysfs of each modem.

Debian 12's udevadm has no `verify` (systemd 254+ has; it is used when present), and
`udevadm test` wants a real device. So the rules are run by the real udevadm, in a private mount
namespace, on the fake devices of tests/system/fakesysfs.py: SIMCom, Quectel and Huawei modems,
an unknown modem, two USB sound cards and a GPIO chip.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import SYSTEMD, need, need_root, run
from .fakesysfs import FakeSysfs, UsbDevice

RULES = SYSTEMD / "udev" / "70-switchboard.rules"
SYSUSERS = SYSTEMD / "sysusers.d" / "switchboard.conf"
SERIAL_RULES = Path("/usr/lib/udev/rules.d/60-serial.rules")

# --- A small linter (udev(7)) ----------------------------------------------------------------

MATCH_ONLY = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER",
              "DRIVERS", "ATTRS", "TAGS", "TEST", "RESULT", "CONST"}
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
BOTH = {"NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG", "PROGRAM"}
NEEDS_ATTRIBUTE = {"ATTR", "ATTRS", "SYSCTL", "ENV", "IMPORT", "SECLABEL"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}
TOKEN = re.compile(r'\s*(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]*)\})?\s*'
                   r'(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*(?:,|$)')
SUBSTITUTION = re.compile(r"\$(\w+)(?:\{[^}]*\})?|%(.)")
KNOWN_DOLLAR = {"kernel", "number", "devpath", "id", "driver", "attr", "sysfs", "env", "major",
                "minor", "result", "parent", "name", "links", "root", "sys", "devnode",
                "tempnode"}
KNOWN_PERCENT = set("knpbsEcMmPNrS%")


def rules_of(path: Path) -> list[tuple[int, str]]:
    """(line number, rule) with backslash continuations joined and comments dropped."""
    rules, pending, start = [], "", 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        rules.append((start, pending + line))
        pending = ""
    assert not pending, "the file ends inside a continued line"
    return rules


def lint(path: Path) -> list[str]:
    problems: list[str] = []
    labels, gotos = set(), []
    for number, rule in rules_of(path):
        where = f"{path.name}:{number}"
        tokens, rest = [], rule
        while rest.strip():
            match = TOKEN.match(rest)
            if not match:
                problems.append(f'{where}: cannot read "{rest.strip()}" (KEY op "value", ...)')
                break
            tokens.append(match)
            rest = rest[match.end():]
        for t in tokens:
            key, op, attr, value = t["key"], t["op"], t["attr"], t["value"]
            if key not in MATCH_ONLY | ASSIGN_ONLY | BOTH:
                problems.append(f"{where}: unknown key {key}")
            if key in MATCH_ONLY and op not in MATCH_OPS:
                problems.append(f"{where}: {key} only matches: use == or !=, not {op}")
            if key in ASSIGN_ONLY and op not in ASSIGN_OPS:
                problems.append(f"{where}: {key} is an assignment: use =, not {op}")
            if key in NEEDS_ATTRIBUTE and not attr:
                problems.append(f"{where}: {key} needs {{name}}")
            if key == "MODE" and not re.fullmatch(r"0[0-7]{3}", value):
                problems.append(f"{where}: MODE must be four octal digits, not {value}")
            for dollar, percent in SUBSTITUTION.findall(value):
                if dollar and dollar not in KNOWN_DOLLAR:
                    problems.append(f"{where}: unknown substitution ${dollar}")
                if percent and percent not in KNOWN_PERCENT:
                    problems.append(f"{where}: unknown substitution %{percent}")
            if key == "LABEL":
                labels.add(value)
            if key == "GOTO":
                gotos.append((where, value))
        if tokens and all(t["op"] in MATCH_OPS for t in tokens):
            problems.append(f"{where}: a rule that only matches does nothing")
    problems += [f"{where}: GOTO to a missing LABEL {label}" for where, label in gotos
                 if label not in labels]
    return problems


def test_the_linter_catches_the_usual_mistakes(tmp_path):
    bad = tmp_path / "bad.rules"
    bad.write_text('SUBSYSTEM="tty", ATTRS{idVendor}=="1e0e", SYMLINK+="x"\n'
                   'KERNEL=="ttyUSB*", GROUP=="dialout"\n'
                   "ENV{ID_MM_DEVICE_IGNORE}='1'\n"
                   'SUBSYSTEMZ=="tty", MODE="666", GOTO="nowhere"\n'
                   'KERNEL=="ttyUSB*", SYMLINK+="modem-$serial"\n')
    problems = "\n".join(lint(bad))
    for expected in ("SUBSYSTEM only matches", "GROUP is an assignment", "cannot read",
                     "unknown key SUBSYSTEMZ", "MODE must be", "missing LABEL nowhere",
                     "unknown substitution $serial"):
        assert expected in problems


def test_our_rules_pass_the_linter():
    assert lint(RULES) == []


def test_rules_run_between_60_serial_and_modemmanager():
    number = int(RULES.name.split("-")[0])
    assert 60 < number < 77, "after 60-serial.rules (usb_id), before ModemManager's 77-mm-*"


def test_groups_used_by_the_rules_are_created_by_sysusers():
    groups = set(re.findall(r'GROUP="([^"]+)"', RULES.read_text()))
    created = {line.split()[1] for line in SYSUSERS.read_text().splitlines()
               if line.startswith("g ")}
    assert groups <= created | {"dialout", "audio"}


def test_every_modem_is_hidden_from_modemmanager():
    text = RULES.read_text()
    assert 'ENV{SWITCHBOARD_MODEM}=="?*", ENV{ID_MM_DEVICE_IGNORE}="1"' in text
    for vendor, product in (("1e0e", "9001"), ("2c7c", "0125"), ("12d1", "1001")):
        assert f'ATTRS{{idVendor}}=="{vendor}", ATTRS{{idProduct}}=="{product}"' in text


def test_udevadm_verify_when_this_systemd_has_it():
    udevadm = need("udevadm")
    if run([udevadm, "verify", "--help"]).returncode != 0:
        pytest.skip("this udevadm has no verify (systemd < 254, e.g. Debian 12's 252)")
    result = run([udevadm, "verify", "--resolve-names=never", RULES])
    assert result.returncode == 0, result.stdout + result.stderr


# --- The real udevadm on fake devices --------------------------------------------------------

SIMCOM = UsbDevice("1e0e", "9001", "0123456789ABCDEF", "SimTech, Incorporated", port="1.2")
QUECTEL = UsbDevice("2c7c", "0125", "", "Quectel", port="1.4")
HUAWEI = UsbDevice("12d1", "1001", "", "HUAWEI", port="1.1.2")
OTHER = UsbDevice("1234", "5678", "42", "Acme", port="1.5")
CMEDIA = UsbDevice("0d8c", "013c", "", "C-Media Electronics Inc.", port="1.3")

NAMESPACE_SCRIPT = r"""
set -eu
T=$1; shift
mount --bind "$T/sys" /sys
mount --bind "$T/run" /run
mount --bind /dev/null "$T/dev/null"
mount --rbind "$T/dev" /dev
mount --bind "$T/rules" /usr/lib/udev/rules.d
for dir in /etc/udev/rules.d /usr/local/lib/udev/rules.d; do
    if [ -d "$dir" ]; then mount --bind "$T/empty" "$dir"; fi
done
mount --bind "$T/group" /etc/group
for device in "$@"; do
    echo "@@device@@ $device"
    SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add "$device" 2>&1 || echo "@@failed@@"
done
"""


@pytest.fixture(scope="module")
def udev_run(tmp_path_factory):
    """Run udevadm test on every fake device once; give each device's output."""
    need_root()
    need("udevadm")
    need("unshare")
    if not SERIAL_RULES.exists():
        pytest.skip(f"{SERIAL_RULES} is missing (apt-get install -y udev)")
    t = tmp_path_factory.mktemp("udev")
    for name in ("dev", "run", "empty", "rules"):
        (t / name).mkdir()
    (t / "dev/null").touch()
    shutil.copy(SERIAL_RULES, t / "rules")
    shutil.copy(RULES, t / "rules")
    groups = Path("/etc/group").read_text()
    (t / "group").write_text(groups + ("" if "\ngpio:" in groups else "gpio:x:997:\n"))
    fs = FakeSysfs(t / "sys")
    devices = {
        "simcom-at": fs.tty(SIMCOM, 2), "simcom-audio": fs.tty(SIMCOM, 4),
        "simcom-diag": fs.tty(SIMCOM, 0), "quectel-at": fs.tty(QUECTEL, 2),
        "quectel-at2": fs.tty(QUECTEL, 3), "huawei-at": fs.tty(HUAWEI, 2),
        "huawei-audio": fs.tty(HUAWEI, 1), "huawei-ppp": fs.tty(HUAWEI, 0),
        "other-at": fs.tty(OTHER, 2), "gpiochip": fs.gpiochip(0),
    }
    handset_card, handset_id = fs.sound_card(CMEDIA, 1)
    modem_card, modem_id = fs.sound_card(QUECTEL, 2, interface=5)
    devices |= {"handset-card": handset_card, "modem-card": modem_card}
    script = t / "ns.sh"
    script.write_text(NAMESPACE_SCRIPT)
    result = run(["unshare", "--mount", "--propagation", "private", "bash", script, t,
                  *devices.values()])
    if "unshare failed" in result.stderr or "Operation not permitted" in result.stderr:
        pytest.skip(f"cannot make a mount namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr
    sections = result.stdout.split("@@device@@ ")[1:]
    outputs = {}
    for name, path in devices.items():
        (section,) = [s for s in sections if s.startswith(path + "\n")]
        assert "@@failed@@" not in section, section
        outputs[name] = section
    return {"out": outputs, "dev": t / "dev", "card_ids": (handset_id, modem_id)}


def properties(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines()
                if re.fullmatch(r"[A-Z_.][A-Z0-9_.]*=.*", line))


def links(output: str) -> set[str]:
    return {link.removeprefix("/dev/")
            for link in properties(output).get("DEVLINKS", "").split()
            if link.startswith("/dev/switchboard/")}


def test_simcom_ports_get_stable_names(udev_run):
    out = udev_run["out"]
    assert links(out["simcom-at"]) == {"switchboard/modem-0123456789ABCDEF-at",
                                        "switchboard/usb-1-1.2-at"}
    assert links(out["simcom-audio"]) == {"switchboard/modem-0123456789ABCDEF-audio",
                                           "switchboard/usb-1-1.2-audio"}
    assert links(out["simcom-diag"]) == set()
    assert properties(out["simcom-at"])["SWITCHBOARD_MODEM"] == "simcom"


def test_quectel_without_a_serial_number_is_named_by_its_socket(udev_run):
    out = udev_run["out"]
    assert links(out["quectel-at"]) == {"switchboard/usb-1-1.4-at"}
    assert links(out["quectel-at2"]) == set()


def test_huawei_behind_a_hub(udev_run):
    out = udev_run["out"]
    assert links(out["huawei-at"]) == {"switchboard/usb-1-1.1.2-at"}
    assert links(out["huawei-audio"]) == {"switchboard/usb-1-1.1.2-audio"}
    assert links(out["huawei-ppp"]) == set()


def test_modemmanager_ignores_our_modems_and_only_ours(udev_run):
    out = udev_run["out"]
    for name in ("simcom-at", "simcom-diag", "quectel-at", "huawei-ppp", "modem-card"):
        assert properties(out[name]).get("ID_MM_DEVICE_IGNORE") == "1", name
    assert "ID_MM_DEVICE_IGNORE" not in properties(out["other-at"])
    assert links(out["other-at"]) == set()


def test_the_links_are_really_made(udev_run):
    at = udev_run["dev"] / "switchboard" / "modem-0123456789ABCDEF-at"
    assert at.is_symlink()
    assert at.readlink().name.startswith("ttyUSB")
    by_id = list((udev_run["dev"] / "serial" / "by-id").glob("*-if02-port0"))
    assert by_id, "60-serial.rules made no /dev/serial/by-id link: the fake sysfs is off"


def test_usb_sound_cards_are_named_by_socket(udev_run):
    handset_id, modem_id = udev_run["card_ids"]
    assert handset_id.read_text().strip() == "hs1_1_3"
    assert modem_id.read_text().strip() == "gsm1_1_4"
    for card_id in (handset_id, modem_id):
        value = card_id.read_text().strip()
        assert len(value) <= 15, "ALSA card ids have at most 15 characters"
        assert re.fullmatch(r"[A-Za-z0-9_-]+", value), "ALSA card ids: letters, digits, _ and -"


def test_gpio_chips_belong_to_group_gpio(udev_run):
    out = udev_run["out"]["gpiochip"]
    assert re.search(r"70-switchboard\.rules:\d+ GROUP \d+", out)
    assert re.search(r"70-switchboard\.rules:\d+ MODE 0660", out)
    assert "Unknown group" not in out
