"""``./dev vm``: install the working tree on a fresh Debian 12 VM with ``image/install.sh`` and
prove the installed box, then pull its plug at random moments while it works.

What it checks, in order (each line printed as ``ok``/``FAIL`` with its figure):
install (time, rc 0, no warning, a second run changes nothing, build packages gone, the disk
it took), the service (active, its own user, no capabilities, ``systemd-analyze security``
exposure), the socket handing port 80 over and the first-run page, the API key from a drop-in
(and a wrong key's 401 naming ``SWITCHBOARD_API_KEY``), ``switchboard doctor`` seeing the
service, a clean journal, the watchdog restarting a stopped (SIGSTOP) service, a reboot
keeping the data; then ``--cuts`` power cuts (default 10), each at a random moment while
stations are written through the API and calls are answered and recorded through the real
modem driver on a pty fake modem (a test-only unit), checking after each boot that every
acknowledged write and call is there and ``PRAGMA integrity_check`` says ok.

Run: ``./dev vm [--cuts N]`` as root (debootstrap, QEMU). Exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import secrets
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from vm import Vm, base_root, kernel_and_initrd, kvm_usable, make_disk, prepare

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "vm"
GUEST_SRC = "/root/src"
BUILD_PACKAGES = ("gcc", "python3-dev", "libasound2-dev")
MODEM_LINK = "/run/swtest/modem"
MODEM_UNIT = f"""[Unit]
Description=Test only: a pty fake modem as the box's line (./dev vm)
Before=switchboard.service

[Service]
RuntimeDirectory=swtest
RuntimeDirectoryPreserve=yes
ExecStart=/opt/switchboard/venv/bin/python {GUEST_SRC}/image/vm_guest.py modem {MODEM_LINK}

[Install]
WantedBy=multi-user.target
"""
PTY_DROP_IN = "[Service]\nDeviceAllow=char-pts rw\n"     # test only: the fake modem is a pty
LINE_SETTINGS = f'\n[[lines]]\nid = "sim"\nkind = "gsm"\ndevice = "{MODEM_LINK}"\n'
EXPOSURE_MAX = 2.0


class Report:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.figures: dict[str, str] = {}

    def check(self, what: str, ok: bool, detail: str = "") -> bool:
        print(f"{'ok  ' if ok else 'FAIL'}  {what}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            self.failed.append(what)
        return ok

    def figure(self, name: str, value: str) -> None:
        self.figures[name] = value
        print(f"      {name}: {value}", flush=True)


def http(vm: Vm, method: str, path: str, key: str | None = None,
         body: object | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"} | ({"X-Api-Key": key} if key else {})
    request = urllib.request.Request(
        f"http://127.0.0.1:{vm.http_port}{path}", method=method, headers=headers,
        data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        return 0, str(error)


def until(predicate: object, timeout: float) -> float | None:
    """Seconds until ``predicate()`` held, or None if it did not in time."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.5)     # polling the guest against a deadline
    return None


def used_mb(vm: Vm) -> float:
    return int(vm.ssh("df --output=used -k / | tail -1").stdout) / 1024


def source_tar() -> bytes:
    """The working tree: tracked files with their changes, and new files git does not
    ignore (what the next commit would hold)."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",  # noqa: S607
                            "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in filter(None, names):
            if (ROOT / name).exists():
                tar.add(ROOT / name, arcname=name)
    return buffer.getvalue()


def trust_host(vm: Vm) -> None:
    """The guest trusts the certificate authorities the host added (an egress proxy's), and
    pip uses the system's store, so it reaches PyPI the way the host does."""
    for crt in Path("/usr/local/share/ca-certificates").glob("*.crt"):
        vm.ssh(f"cat > /usr/local/share/ca-certificates/{crt.name}",
               stdin=crt.read_bytes())
    vm.ssh("update-ca-certificates >/dev/null && "
           "printf '[global]\\ncert = /etc/ssl/certs/ca-certificates.crt\\n' > /etc/pip.conf")


def install(vm: Vm, report: Report) -> None:
    before = used_mb(vm)
    vm.ssh(f"mkdir -p {GUEST_SRC} && tar xz -C {GUEST_SRC}", stdin=source_tar())
    started = time.monotonic()
    first = vm.ssh(f"bash {GUEST_SRC}/image/install.sh 2>&1", check=False, timeout=3600)
    report.figure("install time", f"{time.monotonic() - started:.0f} s")
    report.check("install.sh succeeds", first.returncode == 0, first.stdout[-1500:]
                 if first.returncode else "")
    report.check("install.sh gives no warning", "warning:" not in first.stdout,
                 "; ".join(re.findall(r"warning: .*", first.stdout)))
    again = vm.ssh(f"bash {GUEST_SRC}/image/install.sh 2>&1", check=False, timeout=1800)
    report.check("running it again changes nothing",
                 again.returncode == 0 and "up to date" in again.stdout
                 and "Restarting" not in again.stdout)
    left = vm.ssh("dpkg-query -W -f='${Package} ${Status}\\n' " + " ".join(BUILD_PACKAGES)
                  + " 2>/dev/null | grep ' installed$' || true").stdout.split()
    report.check("the build-only packages are gone", not left, " ".join(left[::4]))
    report.figure("footprint (disk used by the install)", f"{used_mb(vm) - before:.0f} MB")
    lists = vm.ssh("du -sm /var/lib/apt/lists | cut -f1").stdout.strip()
    report.figure("of which apt's package lists (from apt-get update)", f"{lists} MB")
    venv = vm.ssh("du -sm /opt/switchboard | cut -f1").stdout.strip()
    report.figure("of which the app's venv", f"{venv} MB")


def service(vm: Vm, report: Report) -> None:
    report.check("the service is active",
                 vm.ssh("systemctl is-active switchboard", check=False).stdout.strip()
                 == "active")
    pid = vm.ssh("systemctl show -p MainPID --value switchboard").stdout.strip()
    user = vm.ssh(f"ps -o user= -p {pid}", check=False).stdout.strip()
    report.check("it runs as its own user", user == "switchboard", user)
    caps = vm.ssh(f"awk '/^CapEff/ {{print $2}}' /proc/{pid}/status").stdout.strip()
    report.check("with no capabilities", caps == "0000000000000000", caps)
    security = vm.ssh("systemd-analyze security switchboard.service --no-pager 2>&1 | tail -1",
                      check=False).stdout
    found = re.search(r"exposure level for switchboard\.service: ([0-9.]+)", security)
    exposure = float(found[1]) if found else 99.0
    report.check(f"systemd-analyze security exposure at most {EXPOSURE_MAX}",
                 exposure <= EXPOSURE_MAX, str(exposure))
    report.check("the socket holds port 80",
                 vm.ssh("systemctl is-active switchboard.socket", check=False).stdout.strip()
                 == "active")
    status, page = http(vm, "GET", "/setup")
    report.check("the first-run page asks for the owner's password",
                 status == 200 and "password" in page.lower(), str(status))


def api_key(vm: Vm, report: Report, key: str) -> None:
    vm.ssh("mkdir -p /etc/systemd/system/switchboard.service.d && cat > "
           "/etc/systemd/system/switchboard.service.d/api-key.conf",
           stdin=f"[Service]\nEnvironment=SWITCHBOARD_API_KEY={key}\n".encode())
    vm.ssh("systemctl daemon-reload && systemctl restart switchboard")
    took = until(lambda: http(vm, "GET", "/api/status", key)[0] == 200, 120)
    report.check("the API key from a drop-in works", took is not None)
    status, body = http(vm, "GET", "/api/status", "not-the-key-0000")
    report.check("a wrong key's 401 names SWITCHBOARD_API_KEY",
                 status == 401 and "SWITCHBOARD_API_KEY" in body, str(status))


def doctor_and_journal(vm: Vm, report: Report) -> None:
    doctor = vm.ssh("switchboard doctor --config /etc/switchboard/switchboard.toml 2>&1",
                    check=False).stdout
    report.check("doctor reports the running service", "Service: running." in doctor,
                 next((ln for ln in doctor.splitlines() if "Service" in ln), ""))
    journal = vm.ssh("journalctl -b -u switchboard -p warning --no-pager -q", check=False)
    report.check("the journal has no warning", not journal.stdout.strip(),
                 journal.stdout.strip()[:500])


def watchdog(vm: Vm, report: Report, key: str) -> None:
    before = vm.ssh("systemctl show -p NRestarts --value switchboard").stdout.strip()
    vm.ssh("kill -STOP $(systemctl show -p MainPID --value switchboard)")
    took = until(lambda: vm.ssh("systemctl show -p NRestarts --value switchboard",
                                check=False).stdout.strip() != before
                 and http(vm, "GET", "/api/status", key)[0] == 200, 180)
    report.check("the watchdog restarts a stopped service", took is not None)
    if took is not None:
        report.figure("watchdog recovery (SIGSTOP to answering again)", f"{took:.0f} s")


def reboot(vm: Vm, report: Report, key: str) -> None:
    http(vm, "POST", "/api/stations", key, {"id": "before-reboot", "name": "Kept"})
    vm.shutdown()
    booted = vm.boot()
    took = until(lambda: http(vm, "GET", "/api/stations/before-reboot", key)[0] == 200, 300)
    report.check("a reboot keeps the data", took is not None)
    report.figure("reboot (boot to answering with its data)", f"{booted + (took or 0):.0f} s")


def prepare_cuts(vm: Vm, report: Report, key: str) -> None:
    vm.ssh("cat > /etc/systemd/system/swtest-modem.service", stdin=MODEM_UNIT.encode())
    vm.ssh("cat > /etc/systemd/system/switchboard.service.d/test-pty.conf",
           stdin=PTY_DROP_IN.encode())
    vm.ssh("cat >> /etc/switchboard/switchboard.toml", stdin=LINE_SETTINGS.encode())
    vm.ssh("systemctl daemon-reload && systemctl enable --now swtest-modem "
           "&& systemctl restart switchboard")
    until(lambda: http(vm, "GET", "/api/status", key)[0] == 200, 120)
    http(vm, "POST", "/api/teams", key, {"id": "t", "name": "T"})
    http(vm, "POST", "/api/lines", key, {"id": "sim", "name": "SIM", "entry": {"team": "t"}})
    report.check("the fake modem's line comes up",
                 until(lambda: '"state": "idle"' in http(vm, "GET", "/api/status", key)[1]
                       or '"state":"idle"' in http(vm, "GET", "/api/status", key)[1], 120)
                 is not None)


def cut_round(vm: Vm, report: Report, key: str, n: int, rng: random.Random) -> tuple[int, int]:
    """Load, pull the plug at a random moment, boot, and check every acknowledgement."""
    load = vm.ssh_stream(f"/opt/switchboard/venv/bin/python {GUEST_SRC}/image/vm_guest.py "
                         f"load {key} cut{n} 6{n:03d}")
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(line.strip() for line in load.stdout),
                              name="acks")
    reader.start()
    time.sleep(rng.uniform(5, 25))       # the random moment of the power cut
    vm.cut()
    load.kill()
    reader.join(timeout=10)
    vm.boot()
    until(lambda: http(vm, "GET", "/api/status", key)[0] == 200, 300)
    stations = {s["id"] for s in json.loads(http(vm, "GET", "/api/stations", key)[1] or "[]")}
    calls = {c["caller"] for c in json.loads(
        http(vm, "GET", "/api/calls?limit=1000", key)[1] or "[]")}
    wrote = [a.split()[2] for a in said if a.startswith("ACK station")]
    called = [a.split()[2] for a in said if a.startswith("ACK call")]
    if not wrote or not called:      # nothing acknowledged proves nothing: say why
        report.check(f"power cut {n}: the load wrote and called before the cut", False,
                     " | ".join(a for a in said if not a.startswith("ACK "))[-800:])
    lost = [s for s in wrote if s not in stations] + [c for c in called if c not in calls]
    check = vm.ssh("python3 -c \"import sqlite3; print(sqlite3.connect("
                   "'file:/var/lib/switchboard/history.sqlite3?mode=ro', uri=True)"
                   ".execute('PRAGMA integrity_check').fetchone()[0])\"", check=False)
    report.check(f"power cut {n}: {len(wrote)} writes and {len(called)} calls acknowledged, "
                 f"none lost, history intact", not lost and check.stdout.strip() == "ok",
                 f"lost {lost[:5]}, integrity {check.stdout.strip()}{check.stderr[-200:]}")
    return len(wrote), len(called)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cuts", type=int, default=10, help="power cuts (default 10)")
    parser.add_argument("--seed", type=int, default=None, help="of the cuts' random moments")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    report, key = Report(), secrets.token_hex(16)
    CACHE.mkdir(parents=True, exist_ok=True)
    ssh_key = CACHE / "key"
    if not ssh_key.exists():
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh_key)]
        subprocess.run(keygen, check=True)  # noqa: S603 (a fixed tool)
    root = base_root(CACHE)
    prepare(root, (CACHE / "key.pub").read_text())
    make_disk(root, CACHE / "disk.raw")
    kernel, initrd = kernel_and_initrd(root)
    accel = "kvm" if kvm_usable(kernel, initrd) else "tcg"
    print(f"Debian 12 VM on {'KVM' if accel == 'kvm' else 'emulation (TCG): KVM is unusable'}",
          flush=True)
    vm = Vm(CACHE / "disk.raw", kernel, initrd, ssh_key, CACHE / "console.log", accel)
    try:
        report.figure("first boot", f"{vm.boot():.0f} s")
        trust_host(vm)
        install(vm, report)
        service(vm, report)
        api_key(vm, report, key)
        doctor_and_journal(vm, report)
        watchdog(vm, report, key)
        reboot(vm, report, key)
        prepare_cuts(vm, report, key)
        totals = [cut_round(vm, report, key, n, rng) for n in range(1, args.cuts + 1)]
        report.figure("power cuts", f"{args.cuts}: {sum(w for w, _ in totals)} writes and "
                      f"{sum(c for _, c in totals)} calls acknowledged in all")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        report.check("the run went to its end", False, str(exc)[:1500])
    finally:
        vm.cut()
    print(f"\n{'PASSED' if not report.failed else 'FAILED: ' + ', '.join(report.failed)}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
