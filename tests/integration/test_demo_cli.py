"""`switchboard demo` as a newcomer runs it: a real process, real HTTP, a whole call."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from hardware.fakes.modem import Dialect, FakeModem
from tests.waiting import wait_for

KEY = "test-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: dict | None = None, key: str | None = KEY):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        if key:
            req.add_header("X-Api-Key", key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
                text = resp.read()
                return resp.status, json.loads(text) if text else None
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def up(self) -> bool:
        try:
            return self.request("GET", "/api/status")[0] == 200
        except OSError:
            return False


@pytest.fixture
def demo(tmp_path, request):
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    extra = getattr(request, "param", [])
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "appliance.ops.cli", "demo", "--data", str(tmp_path / "data"),
         "--port", str(port), "--api-key", KEY, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    client = Client(port)
    try:
        wait_for(client.up, what="the demo to serve the API")
        yield client, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


def test_demo_routes_a_call_end_to_end_through_the_api(demo):
    client, proc = demo
    assert client.request("GET", "/api/status", key=None)[0] == 401
    _, status = client.request("GET", "/api/status")
    assert {line["id"]: line["kind"] for line in status["lines"]} == \
        {"line-1": "gsm", "line-2": "gsm", "line-3": "analog"}
    assert {s["id"]: s["kind"] for s in status["stations"]} == \
        {"desk-1": "gpio", "desk-2": "gpio", "desk-3": "gpio", "desk-4": "sip"}
    assert len(status["agents"]) == 4

    def modems_identified():
        lines = client.request("GET", "/api/status")[1]["lines"]
        return [(ln["device"].get("imei"), ln["device"].get("iccid")) for ln in lines
                if ln["kind"] == "gsm" and ln["device"].get("iccid")]

    identities = wait_for(lambda: len(modems_identified()) == 2 and modems_identified(),
                          what="both modems identified")
    assert len({imei for imei, _ in identities}) == len({iccid for _, iccid in identities}) == 2
    assert client.request("POST", "/api/sim/lines/line-2/incoming", {"caller": "600111222"})[0] \
        == 202

    def ringing_station():
        stations = client.request("GET", "/api/status")[1]["stations"]
        return next((s["id"] for s in stations if s["ringing"]), None)

    station = wait_for(ringing_station, what="a desk to ring")
    assert client.request("POST", f"/api/sim/stations/{station}/offhook")[0] == 202
    wait_for(lambda: client.request("GET", "/api/status")[1]["calls"][0]["state"] == "connected",
             what="the call to connect")
    assert client.request("POST", f"/api/sim/stations/{station}/onhook")[0] == 202
    calls = wait_for(lambda: client.request("GET", "/api/calls?limit=5")[1], what="history")
    assert (calls[0]["caller"], calls[0]["outcome"], calls[0]["line"]) == (
        "600111222", "answered", "line-2")
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Switchboard running at http://127.0.0.1:" in out
    assert "first visit asks you to choose the owner's password" in out


def test_the_start_message_asks_for_a_password_only_on_a_fresh_box():
    from appliance.ops.cli import first_visit

    assert "choose the owner's password" in first_visit(has_password=False)
    assert "log in with the owner's password" in first_visit(has_password=True)
    assert "choose" not in first_visit(has_password=True)


def test_demo_analog_line_rings_the_sip_desk_through_real_baresip(demo):
    """The README's contract: /api/sim on the analog line sends a real INVITE, RFC 2833 keys
    and BYE through the simulated ATA; the SIP desk answers with 200 OK."""
    client, _ = demo

    def status():
        return client.request("GET", "/api/status")[1]

    wait_for(lambda: next(ln for ln in status()["lines"] if ln["id"] == "line-3")["state"]
             == "idle", what="the analog line to come up")
    for agent in ("ana", "bruno", "carla"):            # only Diego, at the SIP desk, is in
        client.request("POST", f"/api/agents/{agent}/presence", {"presence": "away"})
    client.request("POST", "/api/sim/clock", {"now": "2026-11-25T10:00:00+01:00"})
    assert client.request("POST", "/api/sim/lines/line-3/incoming",
                          {"caller": "+34600111222"})[0] == 202
    wait_for(lambda: status()["calls"] and status()["calls"][0]["state"] == "menu",
             what="the caller in the menu")
    assert client.request("POST", "/api/sim/lines/line-3/dtmf", {"digits": "1"})[0] == 202
    wait_for(lambda: next(s for s in status()["stations"] if s["id"] == "desk-4")["ringing"],
             what="the SIP desk to ring")
    assert client.request("POST", "/api/sim/stations/desk-4/offhook")[0] == 202
    wait_for(lambda: status()["calls"][0]["state"] == "connected", what="the call to connect")
    assert client.request("POST", "/api/sim/lines/line-3/hangup")[0] == 202
    calls = wait_for(lambda: client.request("GET", "/api/calls?limit=1")[1], what="history")
    assert (calls[0]["line"], calls[0]["caller"], calls[0]["outcome"], calls[0]["agent"]) == (
        "line-3", "+34600111222", "answered", "diego")


@pytest.fixture
def serial_modem(tmp_path):
    """A modem on a serial device the demo does not know is fake (as a real SIMCom would be)."""
    modem = FakeModem(Dialect.SIM7600, link=tmp_path / "usb-SimTech-if02")
    modem.start()
    yield modem
    modem.close()


def test_demo_with_a_real_serial_device_on_line_1(tmp_path, serial_modem):
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "appliance.ops.cli", "demo", "--data", str(tmp_path / "data"),
         "--port", str(port), "--api-key", KEY, "--line-device", serial_modem.path],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    client = Client(port)
    try:
        wait_for(client.up, what="the demo")

        def line_1():
            return next(ln for ln in client.request("GET", "/api/status")[1]["lines"]
                        if ln["id"] == "line-1")

        wait_for(lambda: line_1()["state"] == "idle", what="the modem to come up")
        assert line_1()["device"]["model"] == "SIMCOM_SIM7600G-H"
        assert client.request("POST", "/api/sim/lines/line-1/incoming",
                              {"caller": "600111222"})[0] == 404      # a real device
        serial_modem.ring("+34600123456")
        serial_modem.wait_for(lambda m: m.call_state == "active")   # answered by the box
        wait_for(lambda: line_1()["state"] == "in_call", what="the call")
        serial_modem.press("1")                                      # the menu's option 1
        station = wait_for(lambda: next((s["id"] for s in client.request(
            "GET", "/api/status")[1]["stations"] if s["ringing"]), None), what="a desk ringing")
        client.request("POST", f"/api/sim/stations/{station}/offhook")
        serial_modem.caller_hangs_up()
        calls = wait_for(lambda: client.request("GET", "/api/calls?limit=1")[1], what="history")
        assert (calls[0]["caller"], calls[0]["outcome"]) == ("+34600123456", "answered")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_a_port_in_use_is_a_sentence_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "appliance.ops.cli", "demo", "--data",
             str(tmp_path / "data"), "--port", str(port)],
            capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert f"Cannot start: 127.0.0.1:{port} cannot be used" in done.stderr
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
