"""The systemd watchdog ping comes from the core loop, so a wedged core stops it."""

from __future__ import annotations

import socket
import threading

import pytest

from appliance.events import RunOnCore
from appliance.ops.assembly import build_simulated
from appliance.ops.watchdog import SystemdNotifier


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield sock, str(path)
    sock.close()


def received(sock) -> list[str]:
    messages = []
    sock.setblocking(False)
    try:
        while True:
            messages.append(sock.recv(1024).decode())
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)
    return messages


def test_notifier_speaks_the_protocol(notify_socket):
    sock, path = notify_socket
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.watchdog_interval_s == 15.0
    notifier.ready("Answering calls")
    assert sock.recv(1024) == b"READY=1\nSTATUS=Answering calls"
    notifier.watchdog()
    assert sock.recv(1024) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent():
    notifier = SystemdNotifier({})
    assert (notifier.enabled, notifier.watchdog_interval_s) == (False, None)
    notifier.ready()   # must not raise


def test_a_wedged_core_stops_the_watchdog_pings(tmp_path, clock, notify_socket):
    sock, path = notify_socket
    notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "20000000"})
    appliance = build_simulated(tmp_path / "data", clock)
    appliance.start(heartbeat=notifier.watchdog, heartbeat_s=notifier.watchdog_interval_s)
    release = threading.Event()
    try:
        appliance.engine.settle()
        assert received(sock) == ["WATCHDOG=1"]
        clock.advance(10)
        appliance.engine.settle()
        assert received(sock) == ["WATCHDOG=1"]
        appliance.engine.post(RunOnCore(lambda core: release.wait(10)))   # a stuck handler
        clock.advance(10)
        clock.advance(10)
        sock.settimeout(0.3)                   # a ping would arrive within milliseconds
        with pytest.raises(TimeoutError):
            sock.recv(1024)                    # none while the core is stuck
    finally:
        release.set()
        appliance.engine.settle()
        appliance.close()
    assert "WATCHDOG=1" in received(sock)      # pings resumed once it got unstuck


def test_healthz_is_public_and_says_when_the_core_is_stuck(bare_office):
    from web import create_app

    client = create_app(bare_office.app.api).test_client()
    ok = client.get("/healthz")
    assert (ok.status_code, ok.get_json()["ok"], ok.get_json()["core"]) == (200, True, "answering")
    release = threading.Event()
    bare_office.engine.post(RunOnCore(lambda core: release.wait(10)))
    try:
        stuck = client.get("/healthz")
        assert (stuck.status_code, stuck.get_json()["ok"]) == (503, False)
    finally:
        release.set()
    bare_office.settle()


def test_the_web_socket_systemd_passes_is_used(tmp_path):
    import os
    import socket as socketlib

    from appliance.ops.cli import SD_LISTEN_FDS_START, systemd_socket

    assert systemd_socket({}) is None
    assert systemd_socket({"LISTEN_PID": "1", "LISTEN_FDS": "1"}) is None    # not for us
    listener = socketlib.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    saved = os.dup(SD_LISTEN_FDS_START) if _is_open(SD_LISTEN_FDS_START) else None
    os.dup2(listener.fileno(), SD_LISTEN_FDS_START)
    try:
        sock = systemd_socket({"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "1"})
        assert sock.getsockname() == listener.getsockname()
        sock.detach()
    finally:
        if saved is not None:
            os.dup2(saved, SD_LISTEN_FDS_START)
            os.close(saved)
        else:
            os.close(SD_LISTEN_FDS_START)
        listener.close()


def _is_open(fd: int) -> bool:
    import os

    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
