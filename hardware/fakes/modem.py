"""A simulated GSM/LTE modem on a pseudo-terminal, for the modem driver's tests and the demo.

The driver opens the pty slave (or ``link``, a stable symlink standing in for
``/dev/serial/by-id/...``) with real pyserial, so the real termios path, byte-level framing,
reader thread and disconnect handling are all exercised. The fake plays both the module and
the network: tests call :meth:`FakeModem.ring`, :meth:`FakeModem.press`,
:meth:`FakeModem.unplug`..., and inspect :attr:`FakeModem.commands` and friends.

Threading: one named thread per modem runs ``select()`` over the pty master, a wake pipe and
the timer heap; all state sits behind one lock that the public methods share, and
:meth:`wait_for` waits on its condition. Randomness (split writes, URC positions, delays,
part order) comes only from ``random.Random(seed)``.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from hardware.modem.dialects import Dialect

from . import remember
from .modem_calls import DIAL_OUTCOMES, CallControl
from .modem_commands import BasicCommands, Interpreter
from .modem_core import Core, Device
from .modem_dialects import Quirks, Settings
from .modem_io import PtyPort, Timer
from .modem_sms import SmsCenter

__all__ = ["Dialect", "FakeModem", "Quirks"]

_CTRL_Z, _ESC = 0x1A, 0x1B


class FakeModem:
    """One modem; see the module docstring. Use as a context manager or start()/close()."""

    def __init__(self, dialect: Dialect = Dialect.SIM7600, *, name: str = "modem",
                 link: Path | None = None, quirks: Quirks | None = None, seed: int = 0,
                 pin: str | None = None, imei: str = "862000000000001",
                 iccid: str = "8934071100000000001", operator: str = "movistar",
                 signal_rssi: int = 20, registered: int = 1) -> None:
        self.dialect = Dialect(dialect)
        self.name = name
        self.quirks = quirks or Quirks()
        self._link = Path(link) if link is not None else None
        device = Device(imei, iccid, operator, pin, signal_rssi, registered)
        self._core = Core(self.dialect, self.quirks, random.Random(seed), device)
        self._core.reboot = self._reboot_after_reply
        self._calls = CallControl(self._core)
        self._sms = SmsCenter(self._core)
        self._interp = Interpreter(self._core)
        self._interp.table = {**BasicCommands(self._core).table(), **self._calls.table(),
                              **self._sms.table()}
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._port: PtyPort | None = None
        self._closing: list[PtyPort] = []  # ports the thread must close (see _drop_port)
        self._wake_fds: tuple[int, int] | None = None
        self._stopping = False
        self._line = bytearray()
        self._body = bytearray()
        self._powered, self._booting, self._wedged = True, False, False
        self._boot_on_connect = False
        self._wedge_timer: Timer | None = None
        self._hold_prefix: str | None = None
        self._held: str | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                raise RuntimeError(f"fake modem {self.name} already started")
            read_fd, write_fd = os.pipe()
            os.set_blocking(read_fd, False)
            os.set_blocking(write_fd, False)
            self._wake_fds = (read_fd, write_fd)
            self._port = PtyPort(self._link)
            self._core.booted_at = self._core.now()
            self._thread = threading.Thread(target=self._run, name=f"fake-modem-{self.name}",
                                            daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop and join the thread, then destroy the pty (the driver sees a disconnect)."""
        with self._cond:
            thread, self._stopping = self._thread, True
            self._wake()
        if thread is not None:
            thread.join(timeout=5)
            if thread.is_alive():
                raise RuntimeError(f"fake modem thread {thread.name} did not stop")
        with self._cond:
            self._drop_port()
            for fd in self._wake_fds or ():
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._wake_fds, self._thread = None, None

    def __enter__(self) -> FakeModem:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def path(self) -> str:
        """What the driver opens: the stable link if one was given, else the current slave."""
        with self._cond:
            if self._link is not None:
                return str(self._link)
            return self._port.slave_path if self._port is not None else ""

    # --- the network / the caller -----------------------------------------------------------

    def ring(self, caller: str | None = "+34600123456", *, clip_before_ring: bool = False,
             with_clip: bool = True) -> None:
        """An incoming call (``None``: caller ID withheld); rings until answered, abandoned or
        ``ring_limit``. If a call is already up this is :meth:`second_call`."""
        self._network(lambda: self._calls.ring(caller or "", clip_before_ring=clip_before_ring,
                                               with_clip=with_clip))

    def caller_hangs_up(self) -> None:
        """Before answer: the dialect's abandon signal; after: ``NO CARRIER`` plus extras."""
        self._network(self._calls.caller_hangs_up)

    remote_hangs_up = caller_hangs_up

    def press(self, digits: str) -> None:
        self._network(lambda: self._calls.press(digits))

    def second_call(self, caller: str = "+34600999888") -> None:
        self._network(lambda: self._calls.second_call(caller))

    def deliver_sms(self, sender: str, text: str, *, store: bool = True) -> None:
        """``store``: into the SIM with ``+CMTI`` per part; else ``+CMT`` straight out."""
        with self._cond:
            if self._live:
                self._sms.deliver(sender, text, store=store)
            elif store:
                self._sms.deliver(sender, text, store=True, notify=False)
            self._changed()

    def preload_sms(self, sender: str, text: str) -> None:
        """A message already on the SIM (for a driver's start-up sweep); no URC."""
        with self._cond:
            self._sms.deliver(sender, text, store=True, notify=False)

    def set_registration(self, stat: int) -> None:
        with self._cond:
            self._core.device.stat = stat
            if self._live:
                self._core.urc(*self._core.registration_urcs())
            self._changed()

    def set_signal(self, rssi: int) -> None:
        with self._cond:
            self._core.device.rssi = rssi
            huawei = self.dialect is Dialect.HUAWEI  # ^RSSI is always on
            if self._live and (huawei or self._core.settings.csq_urc):
                self._core.urc(self._core.profile.signal_urc.format(rssi=rssi))
            self._changed()

    def hold(self, command_prefix: str) -> None:
        """Take the next command starting with ``command_prefix`` but act on it only at
        :meth:`release`: a window, opened on purpose, for what happens meanwhile."""
        with self._cond:
            self._hold_prefix, self._held = command_prefix.upper(), None

    @property
    def holding(self) -> bool:
        with self._cond:
            return self._held is not None

    def release(self) -> None:
        with self._cond:
            held, self._hold_prefix, self._held = self._held, None, None
            if held is not None:
                self._core.reply(self._interp.run(held[2:]))
            self._changed()

    def preload_draft(self, number: str, text: str) -> None:
        """An outgoing message saved on the SIM (stat 2, "STO UNSENT"): not the driver's."""
        with self._cond:
            self._sms.store_draft(number, text)

    def inject(self, raw: bytes) -> None:
        """Garbage straight to the driver, possibly in the middle of a response."""
        self._network(lambda: self._core.raw(raw))

    # --- failures ---------------------------------------------------------------------------

    def reboot(self, *, silent_s: float = 0.5, drop_port: bool = False) -> None:
        """Power-cycle: calls dropped, settings to defaults, silence, then the boot URCs. With
        ``drop_port`` the pty is destroyed and re-created at the same ``link`` (USB
        re-enumeration); the boot URCs then follow the driver's reopen."""
        with self._cond:
            self._power_loss()
            self._booting = True
            if drop_port:
                self._drop_port()
            self._core.later(silent_s, lambda: self._boot(new_port=drop_port))
            self._changed()

    def unplug(self) -> None:
        """The USB device vanishes: the pty is destroyed and ``link`` removed."""
        with self._cond:
            self._power_loss()
            self._powered = False
            self._drop_port()
            self._changed()

    def replug(self) -> None:
        with self._cond:
            if self._powered:
                raise RuntimeError("replug() without unplug()")
            self._powered = True
            self._boot(new_port=True)
            self._changed()

    def wedge(self, on: bool = True) -> None:
        """Firmware hang: periodic signal URCs keep coming, commands get no answer at all."""
        with self._cond:
            self._wedged = on
            if on and self._wedge_timer is None:
                self._wedge_tick()
            elif not on and self._wedge_timer is not None:
                self._wedge_timer.cancel()
                self._wedge_timer = None
            self._changed()

    # --- outgoing-call script ----------------------------------------------------------------

    @property
    def next_dial(self) -> str:
        """Outcome of the next ``ATD`` (then back to "answer"); see DIAL_OUTCOMES."""
        with self._cond:
            return self._calls.next_dial

    @next_dial.setter
    def next_dial(self, outcome: str) -> None:
        if outcome not in DIAL_OUTCOMES:
            raise ValueError(f"next_dial must be one of {DIAL_OUTCOMES}")
        with self._cond:
            self._calls.next_dial = outcome

    @property
    def answer_after_s(self) -> float:
        with self._cond:
            return self._calls.answer_after_s

    @answer_after_s.setter
    def answer_after_s(self, seconds: float) -> None:
        with self._cond:
            self._calls.answer_after_s = seconds

    # --- what the driver did (copies, taken under the lock) ----------------------------------

    @property
    def commands(self) -> list[str]:
        with self._cond:
            return list(self._core.commands)

    @property
    def sent_sms(self) -> list[tuple[str, str]]:
        with self._cond:
            return list(self._core.sent_sms)

    @property
    def received_dtmf(self) -> list[str]:
        with self._cond:
            return list(self._core.received_dtmf)

    @property
    def waiting_calls_rejected(self) -> int:
        with self._cond:
            return self._core.waiting_calls_rejected

    @property
    def call_state(self) -> str:
        """"idle" | "ringing" | "active" | "dialing" | "alerting" (of the first call)."""
        with self._cond:
            return self._calls.call_state

    @property
    def stored_sms(self) -> dict[int, str]:
        """Texts of the parts on the SIM by index (to check that the driver deleted them)."""
        with self._cond:
            return {idx: message.text for idx, message in self._sms.store.items()}

    @property
    def faults(self) -> list[str]:
        """Exceptions the fake itself raised while serving (tests assert this stays empty)."""
        with self._cond:
            return list(self._core.faults)

    def sent(self, command_prefix: str) -> bool:
        prefix = command_prefix.upper()
        with self._cond:
            return any(c.upper().startswith(prefix) for c in self._core.commands)

    def wait_for(self, predicate: Callable[[FakeModem], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate(self)`` holds (re-checked after every modem step)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"fake modem {self.name}: condition not met in {timeout} s")
                self._cond.wait(remaining)

    # --- internals: state changes ---------------------------------------------------------------

    @property
    def _live(self) -> bool:
        return self._powered and not self._booting

    def _network(self, action: Callable[[], None]) -> None:
        """Network events reach only a modem that is on (a booting one misses them)."""
        with self._cond:
            if self._live:
                action()
            self._changed()

    def _changed(self) -> None:
        self._cond.notify_all()
        self._wake()

    def _power_loss(self) -> None:
        """Everything volatile is gone: calls, settings, timers, half-typed input, output."""
        self._calls.reset()
        self._sms.reset()
        self._core.sched.clear()
        self._core.tx.clear()
        self._core.settings = Settings()
        self._core.sim.power_on()
        self._line.clear()
        self._body.clear()
        self._wedged, self._wedge_timer = False, None

    def _boot(self, *, new_port: bool) -> None:
        self._booting = False
        self._core.booted_at = self._core.now()
        if new_port:
            self._drop_port()
            self._port = PtyPort(self._link) if self._thread is not None else None
            self._boot_on_connect = True
        else:
            self._core.urc_series(self._core.boot_lines())

    def _reboot_after_reply(self, deadline: float | None = None) -> None:
        """AT+CFUN=1,1: the OK goes out (and is read, or 1 s passes: a hang-up discards what
        the driver has not read), then the module resets and re-enumerates."""
        deadline = deadline or self._core.now() + 1.0
        unread = self._port.unread() if self._port is not None else 0
        if (self._core.tx.idle and not unread) or self._core.now() > deadline:
            self.reboot(silent_s=self.quirks.reboot_s, drop_port=True)
        else:
            self._core.later(0.005, lambda: self._reboot_after_reply(deadline))

    def _drop_port(self) -> None:
        """Destroy the pty, from the modem thread when it runs, and wait until it is done.

        A close from another thread while the modem thread sits in ``select()`` can leave the
        last file reference with that thread, so the driver would not see the hang-up until
        later; closing where no select holds it makes "unplug() returned" mean "it's gone".
        """
        port, self._port = self._port, None
        thread = self._thread
        if port is None:
            return
        if thread is None or not thread.is_alive() or thread is threading.current_thread():
            port.close()
            return
        self._closing.append(port)
        self._wake()
        if not self._cond.wait_for(lambda: port not in self._closing, timeout=5):
            raise RuntimeError(f"fake modem {self.name}: port close timed out")

    def _wedge_tick(self) -> None:
        if self._live:
            self._core.urc(self._core.profile.signal_urc.format(rssi=self._core.device.rssi))
        self._wedge_timer = self._core.later(self.quirks.periodic_urc_s, self._wedge_tick)

    def _wake(self) -> None:
        if self._wake_fds is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(self._wake_fds[1], b"!")

    # --- internals: the thread ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping or self._wake_fds is None:
                    return
                now = self._core.now()
                wake_fd, port = self._wake_fds[0], self._port
                readers = [wake_fd] + ([port.master] if port else [])
                writers = [port.master] if port and self._core.tx.wants_write(now) else []
                timeout = self._timeout(now)
            try:
                ready, writable, _ = select.select(readers, writers, [], timeout)
            except OSError:  # the port was closed under us by unplug(): just go round
                ready, writable = [], []
            with self._cond:
                try:
                    self._step(port, ready, writable)
                except Exception as exc:  # a bug in the fake must not kill the modem
                    self._core.fault(exc)
                self._cond.notify_all()

    def _timeout(self, now: float) -> float | None:
        times = [t for t in (self._core.sched.next_due(), self._core.tx.next_wake())
                 if t is not None]
        return max(0.0, min(times) - now) if times else None

    def _step(self, port: PtyPort | None, ready: list[int], writable: list[int]) -> None:
        for closing in self._closing:
            closing.close()
        self._closing.clear()
        if self._wake_fds and self._wake_fds[0] in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_fds[0], 4096)
        current = port is not None and port is self._port
        if current and port.master in ready:
            data, flushed = port.read()
            if flushed:
                self._on_connect(port)
            if data:
                self._on_input(data)
        now = self._core.now()
        self._core.sched.run_due(now)
        self._core.tx.pump(now)
        if current and port.master in writable and self._port is port:
            with contextlib.suppress(OSError):
                self._core.tx.write(port.master, now)

    def _on_connect(self, port: PtyPort) -> None:
        """The driver opened the port (its open-time input flush reached us)."""
        port.connects += 1
        if port.connects == 1 and self.quirks.stale_ok_on_open and self._live:
            self._core.raw(b"\r\nOK\r\n")
        if self._boot_on_connect:
            self._boot_on_connect = False
            self._core.later(0.02, lambda: self._core.urc_series(self._core.boot_lines()))

    def _on_input(self, data: bytes) -> None:
        """Echo and line assembly; the ``> `` prompt switches to body entry until ^Z/ESC."""
        if not self._live:
            return  # a booting module hears nothing
        view = memoryview(data)
        while view:
            in_body = self._sms.in_entry
            stops = (_CTRL_Z, _ESC) if in_body else (ord("\r"),)
            end = next((i for i, b in enumerate(view) if b in stops), -1)
            chunk = bytes(view if end < 0 else view[:end + 1])
            view = view[len(chunk):]
            if self._core.settings.echo and not self._wedged:
                self._core.echo(chunk)
            buffer = self._body if in_body else self._line
            buffer += chunk if end < 0 else chunk[:-1]
            if end >= 0 and in_body:
                reply = self._sms.finish_entry(bytes(self._body), aborted=chunk[-1] == _ESC)
                self._body.clear()
                self._core.reply(reply)
            elif end >= 0:
                self._command(bytes(self._line))
                self._line.clear()

    def _command(self, raw: bytes) -> None:
        text = raw.decode("ascii", "replace").strip("\x00\r\n\t ")
        if not text:
            return
        start = text.upper().find("AT")
        remember(self._core.commands, text[max(start, 0):])  # without a leading ESC or noise
        if self._wedged or start < 0:
            return  # wedged: heard but never answered; no "AT": line noise, ignored
        if self._hold_prefix and text[start:].upper().startswith(self._hold_prefix):
            self._held, self._hold_prefix = text[start:], None
            self._changed()
            return
        self._core.reply(self._interp.run(text[start + 2:]))
