"""The serial port under a modem: open by stable path, one reader thread, writes under a lock.

pyserial's ``serial_for_url`` opens plain device paths (``/dev/serial/by-id/...``, a pty in
tests) and debugging URLs such as ``spy:///dev/gsm-at``. The reader thread hands every chunk
of bytes to ``on_bytes`` and reports the port's loss (unplug, USB re-enumeration) once through
``on_lost``; it never interprets anything.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable

import serial

from hardware.sentences import Text

log = logging.getLogger(__name__)


class SerialTransport:
    def __init__(self, url: str, *, name: str, on_bytes: Callable[[bytes], None],
                 on_lost: Callable[[Exception], None], baudrate: int = 115200) -> None:
        self.url = url
        self.name = name
        self._on_bytes = on_bytes
        self._on_lost = on_lost
        self._baudrate = baudrate
        self._serial: serial.SerialBase | None = None
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False

    def open(self) -> None:
        """Open the port and start reading; raises ``serial.SerialException`` if it cannot."""
        self._closing = False
        port = serial.serial_for_url(self.url, baudrate=self._baudrate, timeout=None,
                                     exclusive=True)
        self._serial = port
        self._thread = threading.Thread(target=self._read_loop, name=f"modem-rx-{self.name}",
                                        daemon=True)
        self._thread.start()

    @property
    def is_open(self) -> bool:
        return self._serial is not None and self._thread is not None and self._thread.is_alive()

    def write(self, data: bytes) -> None:
        port = self._serial
        if port is None:
            raise serial.SerialException(f"{self.url} is not open")
        with self._write_lock:
            port.write(data)

    def close(self) -> None:
        self._closing = True
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.cancel_read()
            except Exception:  # the port may already be gone; closing must still finish
                log.debug("cancel_read failed on %s", self.url, exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
        if port is not None:
            try:
                port.close()
            except Exception:
                log.debug("close failed on %s", self.url, exc_info=True)

    def _read_loop(self) -> None:
        port = self._serial
        try:
            while not self._closing and port is not None:
                data = port.read(port.in_waiting or 1)
                if data:
                    self._on_bytes(data)
        except Exception as exc:  # SerialException, OSError(EIO) when the device vanishes
            if not self._closing:
                self._on_lost(exc)


def open_advice(device: str, exc: Exception) -> str:
    """What to do when ``device`` cannot be opened, from the error's errno."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT or not os.path.exists(device):
        return Text("%(device)s does not exist: is the modem plugged in (and powered)?",
                    device=device)
    if code in (errno.EACCES, errno.EPERM):
        return Text("No permission to open %(device)s: add the user to the 'dialout' group.",
                    device=device)
    if "lock" in str(exc).lower() or code in (errno.EBUSY, errno.EAGAIN):
        return Text("%(device)s is in use by another program (often ModemManager: sudo "
                    "systemctl disable --now ModemManager).", device=device)
    return Text("%(device)s could not be opened: %(error)s", device=device, error=str(exc))
