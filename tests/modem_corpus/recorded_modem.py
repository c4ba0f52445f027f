"""A modem on a pty that answers from a recording: another project's captured responses.

The real driver opens the pty with real pyserial, as it opens a USB modem. Each command gets
the response the recorded modem gave (the recording's default for commands it never saw);
the test then plays the recorded unsolicited lines of an incoming call and its end.
"""

from __future__ import annotations

import os
import select
import threading
from pathlib import Path

from hardware.fakes.modem_io import PtyPort


class RecordedModem:
    def __init__(self, link: Path, responses: dict[str, list[str]],
                 default: list[str]) -> None:
        self.responses = dict(responses)
        self.default = default
        self.commands: list[str] = []
        self._port = PtyPort(link)
        self._wake_r, self._wake_w = os.pipe()
        self._lock = threading.Lock()
        self._heard = threading.Condition(self._lock)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="recorded-modem", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._port.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def send(self, *lines: str) -> None:
        """Unsolicited lines, as the recorded modem printed them."""
        self._write(lines)

    def answer(self, command: str, lines: list[str]) -> None:
        with self._lock:
            self.responses[command] = lines

    def wait_for(self, command: str, timeout: float = 5.0) -> None:
        with self._heard:
            if not self._heard.wait_for(lambda: command in self.commands, timeout):
                raise AssertionError(f"the driver never sent {command}: {self.commands}")

    def _write(self, lines: tuple[str, ...] | list[str]) -> None:
        os.write(self._port.master, b"".join(f"\r\n{ln}\r\n".encode() for ln in lines))

    def _run(self) -> None:
        buffer = b""
        while not self._stop:
            ready, _, _ = select.select([self._port.master, self._wake_r], [], [])
            if self._port.master not in ready:
                continue
            data, _ = self._port.read()
            buffer += data
            while b"\r" in buffer:
                raw, buffer = buffer.split(b"\r", 1)
                self._command(raw.decode("ascii", "replace").strip("\x1b\n "))

    def _command(self, command: str) -> None:
        if not command:
            return
        with self._heard:
            self.commands.append(command)
            lines = self.responses.get(command, self.default)
            self._heard.notify_all()
        self._write(lines)
