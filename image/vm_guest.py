"""Run inside the VM by ``./dev vm`` (with the installed app's Python): writes configuration and
places calls as fast as the box acknowledges them, printing each acknowledgement at once, until
the host pulls the plug.

    vm_guest.py modem LINK          a pty fake modem at LINK (the test-only unit runs this)
    vm_guest.py load KEY PREFIX DIGITS   the load: ``ACK station <PREFIX-n>`` and
                                         ``ACK call <DIGITS><n>``

A line printed here reached the host before the power cut, so what it names was acknowledged:
the station was created (201) or the call is in ``/api/calls``. The host checks each one after
the box comes back. Calls go through the real modem driver against the fake modem: it rings,
the box answers, the caller hangs up, the box writes the call.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE = "http://127.0.0.1"
CALL_TIMEOUT_S = 30
CONTROL = Path("/run/swtest/control")     # the load asks the modem unit to ring through this


def api(method: str, path: str, key: str, body: object | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method,  # noqa: S310
                                     headers={"X-Api-Key": key,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, OSError):
        return 0, None


def say(line: str) -> None:
    print(line, flush=True)


def stations(key: str, prefix: str) -> None:
    n = 0
    while True:
        sid = f"{prefix}-{n}"
        status, _ = api("POST", "/api/stations", key, {"id": sid, "name": f"Desk {sid}"})
        if status == 201:
            say(f"ACK station {sid}")
            n += 1
        else:
            time.sleep(0.2)       # the box is busy starting: try again shortly


def line_state(key: str) -> str:
    status, doc = api("GET", "/api/status", key)
    lines = doc.get("lines", []) if status == 200 and isinstance(doc, dict) else []
    return lines[0]["state"] if lines else ""


def until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)           # polling the box's API against a deadline
    return False


def calls(key: str, prefix: str) -> None:
    """One call at a time: ring, wait for the answer, hang up, wait for its record."""
    n = 0
    while True:
        if not until(lambda: line_state(key) == "idle", CALL_TIMEOUT_S):
            continue
        caller = f"{prefix}{n:04d}"
        ask(f"ring {caller}")
        if until(lambda: line_state(key) == "in_call", CALL_TIMEOUT_S):
            ask("hangup")

        def recorded(number: str = caller) -> bool:
            status, doc = api("GET", f"/api/calls?caller={number}&limit=1", key)
            return status == 200 and bool(doc)

        if until(recorded, CALL_TIMEOUT_S):
            say(f"ACK call {caller}")
        n += 1


def ask(request: str) -> None:
    """Hand the modem unit one request, whole (written aside, then renamed into place)."""
    aside = CONTROL.with_name(".control")
    aside.write_text(request + "\n")
    os.replace(aside, CONTROL)


def modem(link: str) -> None:
    """The test-only unit: a pty fake modem the box's line opens, rung through ``CONTROL``."""
    from hardware.fakes.modem import Dialect, FakeModem

    CONTROL.parent.mkdir(parents=True, exist_ok=True)
    with FakeModem(Dialect.EC25, link=Path(link)) as fake:
        os.chmod(os.path.realpath(link), 0o666)  # noqa: S103 (test only: the service opens it)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.wait(0.1):                    # a request file, read every 100 ms
            try:
                request = CONTROL.read_text().split()
                CONTROL.unlink()
            except FileNotFoundError:
                continue
            if request[:1] == ["ring"]:
                fake.ring(request[1])
            elif request[:1] == ["hangup"]:
                fake.caller_hangs_up()


def main() -> None:
    if sys.argv[1] == "modem":
        modem(sys.argv[2])
        return
    key, prefix, digits = sys.argv[2:5]
    threading.Thread(target=stations, args=(key, prefix), name="stations", daemon=True).start()
    calls(key, digits)


if __name__ == "__main__":
    main()
