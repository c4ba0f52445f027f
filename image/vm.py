"""A Debian 12 virtual machine with systemd as PID 1, built from the package archive, to prove
the installed box: ``./dev vm`` (see ``vm_checks`` for what it proves).

The root file system comes from ``debootstrap`` (kept in ``build/vm/`` and reused), is written
into a raw disk image with ``mkfs.ext4 -d`` (no loop device, no mount: it works in a container),
and boots by direct kernel boot with the guest's own kernel and initrd. The disk is attached
with ``cache=none``, so a flush the guest asks for reaches the host's disk and killing QEMU is
a power cut, not a crash. KVM when ``/dev/kvm`` works, emulation (TCG) otherwise. The host
reaches the guest by SSH (a key made for this run) and HTTP through QEMU's user network.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
# What the guest needs beyond a minimal Debian: a kernel, systemd, SSH for the host to drive
# it, networking by DHCP on QEMU's user network, and curl for doctor's page check.
INCLUDE = ("systemd-sysv", "linux-image-amd64", "openssh-server", "udev", "iproute2",
           "ca-certificates", "curl", "python3", "dbus")
DISK_GB = 6
MEMORY_MB = 2048
BOOT_TIMEOUT_S = {"kvm": 120, "tcg": 900}
KVM_PROBE_S = 15


def _run(*cmd: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # noqa: S603 (fixed tools)


def kvm_usable(kernel: Path, initrd: Path) -> bool:
    """Whether KVM really runs a guest here: ``/dev/kvm`` can exist and open yet run nothing
    (seen under nested virtualisation), so the guest's kernel is started for a few seconds
    and must print its banner."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError:
        return False
    command = ["qemu-system-x86_64", "-accel", "kvm", "-m", "256", "-kernel", str(kernel),
               "-initrd", str(initrd), "-append", "console=ttyS0", "-display", "none",
               "-serial", "stdio", "-no-reboot"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,  # noqa: S603
                          stdin=subprocess.DEVNULL) as probe:
        deadline = time.monotonic() + KVM_PROBE_S
        seen = b""
        os.set_blocking(probe.stdout.fileno(), False)
        while time.monotonic() < deadline and b"Linux version" not in seen:
            seen += probe.stdout.read() or b""
            time.sleep(0.2)   # reading a child's output against a deadline
        probe.kill()
    return b"Linux version" in seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_root(cache: Path) -> Path:
    """Debian 12 from the archive, made once and reused (about 1.5 minutes, 860 MB)."""
    root = cache / "root"
    if (root / ".switchboard-vm-base").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"debootstrap {SUITE} from {MIRROR} (once; kept in {root})", flush=True)
    _run("debootstrap", "--variant=minbase", f"--include={','.join(INCLUDE)}", SUITE,
         str(root), MIRROR, stdout=subprocess.DEVNULL)
    (root / ".switchboard-vm-base").touch()
    return root


def prepare(root: Path, public_key: str) -> None:
    """What makes the root a bootable, reachable machine (rewritten each run)."""
    (root / "etc/hostname").write_text("switchboard\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 switchboard\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 errors=remount-ro 0 1\n")
    network = root / "etc/systemd/network/20-wired.network"
    network.parent.mkdir(parents=True, exist_ok=True)
    network.write_text("[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n")
    (root / "etc/resolv.conf").unlink(missing_ok=True)
    (root / "etc/resolv.conf").write_text("nameserver 10.0.2.3\n")   # QEMU's user network
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / "systemd-networkd.service"
    if not link.is_symlink():
        link.symlink_to("/lib/systemd/system/systemd-networkd.service")
    ssh = root / "root/.ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "authorized_keys").write_text(public_key)
    (ssh / "authorized_keys").chmod(0o600)
    (root / "etc/machine-id").write_text("")


def make_disk(root: Path, disk: Path) -> None:
    """A raw ext4 image holding ``root`` (sparse: it takes what the files take)."""
    disk.unlink(missing_ok=True)
    with disk.open("wb") as f:
        f.truncate(DISK_GB * 1024**3)
    _run("mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(disk))


def kernel_and_initrd(root: Path) -> tuple[Path, Path]:
    kernel = sorted((root / "boot").glob("vmlinuz-*"))[-1]
    initrd = sorted((root / "boot").glob("initrd.img-*"))[-1]
    return kernel, initrd


@dataclass
class Vm:
    """One booted guest: ``ssh`` runs a command in it, ``cut`` pulls its plug."""

    disk: Path
    kernel: Path
    initrd: Path
    key: Path
    console: Path
    accel: str = "kvm"
    ssh_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def boot(self) -> float:
        """Start QEMU and wait until SSH answers; returns the seconds it took."""
        started = time.monotonic()
        net = (f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22,"
               f"hostfwd=tcp:127.0.0.1:{self.http_port}-:80")
        cpu = ["-accel", "kvm", "-cpu", "host"] if self.accel == "kvm" else \
            ["-accel", "tcg,thread=multi", "-cpu", "max"]
        command = ["qemu-system-x86_64", *cpu, "-m", str(MEMORY_MB), "-smp", "2",
                   "-kernel", str(self.kernel), "-initrd", str(self.initrd),
                   "-append", "root=/dev/vda rw console=ttyS0 net.ifnames=0 quiet",
                   "-drive", f"file={self.disk},format=raw,if=virtio,cache=none",
                   "-netdev", net, "-device", "virtio-net-pci,netdev=n0",
                   "-display", "none", "-serial", f"file:{self.console}", "-no-reboot"]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603
        deadline = started + BOOT_TIMEOUT_S[self.accel]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"QEMU stopped while booting; see {self.console}")
            if self.ssh("true", check=False, timeout=10).returncode == 0:
                return time.monotonic() - started
            time.sleep(1)      # polling SSH until the guest is up, against a deadline
        raise RuntimeError(f"the guest did not answer SSH in time; see {self.console}")

    def ssh(self, command: str, *, check: bool = True, timeout: float = 600,
            stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        args = ["ssh", "-q", "-i", str(self.key), "-p", str(self.ssh_port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ConnectTimeout=5", "-o", "BatchMode=yes", "root@127.0.0.1", command]
        raw = subprocess.run(args, input=stdin, capture_output=True,  # noqa: S603
                             timeout=timeout, check=False)
        done = subprocess.CompletedProcess(args, raw.returncode,
                                           raw.stdout.decode(errors="replace"),
                                           raw.stderr.decode(errors="replace"))
        if check and done.returncode != 0:
            raise RuntimeError(f"in the guest, {command!r} failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done

    def ssh_stream(self, command: str) -> subprocess.Popen[str]:
        """A command whose output the host reads line by line while it runs."""
        args = ["ssh", "-q", "-i", str(self.key), "-p", str(self.ssh_port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=2",
                "-o", "BatchMode=yes", "root@127.0.0.1", command]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603
                                text=True, bufsize=1)

    def shutdown(self) -> None:
        """A clean power-off (the guest syncs its disks), then QEMU exits."""
        self.ssh("systemctl poweroff", check=False, timeout=10)
        self.wait_stopped(120)

    def cut(self) -> None:
        """Pull the plug: QEMU dies at once, whatever the guest was writing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.wait_stopped(30)

    def wait_stopped(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
