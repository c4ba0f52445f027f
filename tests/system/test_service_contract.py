"""What switchboard.service and switchboard.socket expect of `switchboard run`, checked on the app.

* Type=notify, WatchdogSec=30, NotifyAccess=main: the main process sends READY=1 once serving,
  WATCHDOG=1 at least every WATCHDOG_USEC/2, STOPPING=1 on SIGTERM, and exits 0.
* MemoryDenyWriteExecute=yes: the app runs with no writable+executable memory. Checked with
  prctl(PR_SET_MDWE) (Linux 6.3+), the kernel's own version of the rule.
* switchboard.socket: systemd listens on port 80 and passes the socket as fd 3 (LISTEN_FDS=1,
  LISTEN_PID, LISTEN_FDNAMES=http); the app serves the page on it instead of binding
  [web] host/port. Run here with `systemd-socket-activate`, which passes a socket the same way.

A check whose app side is not written yet (no LISTEN_FDS / NOTIFY_SOCKET in the app's source) is
skipped, saying so; it runs by itself as soon as the app implements it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO, need

MDWE_PRELUDE = """\
import ctypes, runpy, sys
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0):
    sys.exit(77)
sys.argv = ["switchboard", *sys.argv[1:]]
runpy.run_module("appliance.ops.cli", run_name="__main__")
"""


def app_mentions(word: str) -> bool:
    return any(word in path.read_text() for path in (REPO / "appliance").rglob("*.py"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_file(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "switchboard.toml"
    path.write_text(f'data_dir = "{tmp_path / "data"}"\n[web]\nhost = "127.0.0.1"\n'
                    f"port = {port}\n")
    return path


class Notifications:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[str] = []

    def wait_for(self, assignment: str, timeout: float, count: int = 1,
                 process: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while sum(m.split("\n").count(assignment) for m in self.messages) < count:
            left = deadline - time.monotonic()
            if left <= 0 or (process is not None and process.poll() is not None):
                raise AssertionError(f"not {count} x {assignment} in {timeout} s: {self.messages}")
            self.sock.settimeout(min(left, 0.2))
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue

    def close(self) -> None:
        self.sock.close()


def http_status(url: str, timeout: float = 20) -> int:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - checked just above
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:     # 302 to the login page, 401...: it answered
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def stop(process: subprocess.Popen) -> tuple[int, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        return -9, out
    return process.returncode, out


def test_notify_watchdog_and_no_writable_executable_memory(tmp_path):
    if not app_mentions("NOTIFY_SOCKET"):
        pytest.skip("the app does not talk to systemd yet (no NOTIFY_SOCKET in appliance/)")
    port = free_port()
    notify = Notifications(tmp_path / "notify")
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "1000000"}
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", MDWE_PRELUDE, "run", "--config", settings_file(tmp_path, port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            notify.wait_for("READY=1", timeout=60, process=process)
        except AssertionError:
            code, out = stop(process)
            if code == 77:
                pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
            raise AssertionError(out) from None
        assert http_status(f"http://127.0.0.1:{port}/") in (200, 302)
        notify.wait_for("WATCHDOG=1", timeout=5, count=3)    # every 0.5 s for WATCHDOG_USEC=1 s
        code, out = stop(process)
        assert code == 0, out
        notify.wait_for("STOPPING=1", timeout=1)
    finally:
        stop(process)
        notify.close()


def test_the_page_is_served_on_the_socket_systemd_passes(tmp_path):
    activate = need("systemd-socket-activate")
    if not app_mentions("LISTEN_FDS"):
        pytest.skip("the app does not take systemd's socket yet (no LISTEN_FDS in appliance/); "
                    "switchboard.socket needs it for the page on port 80")
    port, own_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [activate, f"--listen=127.0.0.1:{port}", "--fdname=http",
         sys.executable, "-m", "appliance.ops.cli", "run",
         "--config", settings_file(tmp_path, own_port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:            # systemd-socket-activate binds the port, then starts the app
            try:                # on the first connection
                assert http_status(f"http://127.0.0.1:{port}/", timeout=60) in (200, 302)
                break
            except (ConnectionRefusedError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with pytest.raises(ConnectionRefusedError):   # nor did it bind [web] port as well
            socket.create_connection(("127.0.0.1", own_port), timeout=1).close()
    finally:
        code, out = stop(process)
    assert code == 0, out


MDWE_EXEC = """\
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0):    # PR_SET_MDWE, REFUSE_EXEC_GAIN
    sys.exit(77)
os.execvp(sys.argv[1], sys.argv[1:])
"""


@pytest.mark.parametrize("command", [
    ["espeak-ng", "-v", "es", "-w", "{out}", "Gracias por llamar"],
    ["sox", "-V1", "-n", "-r", "8000", "-c", "1", "-t", "raw", "-e", "signed-integer", "-b", "16",
     "{out}", "synth", "0.2", "sine", "440", "highpass", "300", "rate", "16000"],
], ids=lambda command: command[0])
def test_the_audio_tools_the_app_runs_need_no_writable_executable_memory(command, tmp_path):
    """The service's children inherit MemoryDenyWriteExecute (and PR_SET_MDWE survives exec)."""
    need(command[0])
    out = tmp_path / "out"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", MDWE_EXEC, *(arg.format(out=out) for arg in command)],
        capture_output=True, text=True, timeout=60, check=False)
    if result.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
