"""Audio ports: where one line's or one handset's audio goes in and out, one 20 ms period at a time.

The engine only ever moves whole periods (``fmt.period_bytes``), so every port hides its device's
quirks behind ``read_period``/``write_period``:

* ``AlsaPort``: a sound card (a handset's USB dongle, a modem's USB audio) through pyalsaaudio.
  Device names come from the settings file (``plughw:CARD=hs1_1_3,DEV=0``: the card's stable
  id from the installer's udev rule); a test ``asoundrc`` defines names that map to files in CI,
  so the same code runs in both. ``alsaaudio`` is imported when a port opens, never at import time.
* ``SerialPcmPort``: modems that carry voice as raw S16LE on a serial port (SIMCom after
  ``AT+CPCMREG=1``, Huawei after ``AT^DDSETEX=2``): 320-byte frames every 20 ms.
* ``MemoryPort``: bytes in memory, for tests of the engine's logic and for the bench.

A port never paces itself (see ``pacing``): ``read_period`` returns what the device has, or
silence, and never waits longer than about one period.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import serial

from .format import LINE_FORMAT, AudioFormat


class AudioDeviceError(RuntimeError):
    """An audio device could not be opened or failed; the message says what to check."""


class PcmPort(Protocol):
    name: str
    fmt: AudioFormat
    has_capture: bool

    def open(self) -> None: ...
    def read_period(self) -> bytes: ...      # exactly fmt.period_bytes; silence if none/overrun
    def write_period(self, data: bytes) -> None: ...
    def close(self) -> None: ...


ALSA_FORMAT_NAME = "S16_LE"
ALSA_PERIODS = 4


class AlsaPort:
    """A playback device and an optional capture device, in blocking (PCM_NORMAL) mode.

    ``prefill_periods`` of silence are written when playback opens (and again after an
    underrun): the card starts playing as soon as it has one period, so without a cushion the
    smallest scheduling delay of the worker would be an underrun and a click.

    Clock drift is not corrected: the engine writes one period per tick of the Pi's clock and
    the card plays on its own. A card slower than the Pi blocks our write (PCM_NORMAL), which
    self-corrects; a card faster by 100 ppm eats the 40 ms cushion in about 7 minutes and
    underruns once (recovered here, heard as one click). Capture that is not read (nobody
    bridged or recording) overruns; the next read returns silence and restarts it.
    """

    def __init__(self, name: str, playback: str, capture: str | None = None,
                 fmt: AudioFormat = LINE_FORMAT, *, prefill_periods: int = 2) -> None:
        self.name = name
        self.fmt = fmt
        self.playback_device = playback
        self.capture_device = capture
        self.has_capture = capture is not None
        self.prefill_periods = prefill_periods
        self.underruns = 0
        self.overruns = 0
        self._alsa: Any = None
        self._out: Any = None
        self._in: Any = None
        self._pending = bytearray()

    def open(self) -> None:
        try:
            import alsaaudio  # lazily: machines without ALSA must still import this package
        except ImportError as exc:
            raise AudioDeviceError(
                f"audio port {self.name!r} needs pyalsaaudio, which is not installed: install "
                "libasound2-dev, then 'pip install pyalsaaudio' in the appliance's venv") from exc
        self._alsa = alsaaudio
        self._pending.clear()
        self._out = self._open_pcm(alsaaudio.PCM_PLAYBACK, self.playback_device)
        if self.capture_device is not None:
            try:
                self._in = self._open_pcm(alsaaudio.PCM_CAPTURE, self.capture_device)
            except AudioDeviceError:
                self.close()
                raise
        self._prefill()

    def _open_pcm(self, kind: int, device: str) -> Any:
        alsa = self._alsa
        what = "playback" if kind == alsa.PCM_PLAYBACK else "capture"
        try:
            pcm = alsa.PCM(kind, alsa.PCM_NORMAL, rate=self.fmt.rate, channels=self.fmt.channels,
                           format=alsa.PCM_FORMAT_S16_LE, periodsize=self.fmt.period_frames,
                           periods=ALSA_PERIODS, device=device)
        except alsa.ALSAAudioError as exc:
            raise AudioDeviceError(
                f"cannot open ALSA {what} device {device!r} for audio port {self.name!r} ({exc}). "
                f"Check that the sound card is plugged in and that {device!r} names it "
                f"('aplay -L' lists the names ALSA knows).") from exc
        problem = check_info(pcm.info(), self.fmt)
        if problem:
            pcm.close()
            raise AudioDeviceError(f"ALSA {what} device {device!r} of audio port {self.name!r} "
                                   f"{problem}; open it through a 'plug' device so ALSA converts")
        return pcm

    def _prefill(self) -> None:
        for _ in range(self.prefill_periods):
            self._out.write(self.fmt.silence())

    def read_period(self) -> bytes:
        """One period of capture. Devices may deliver other period sizes: bytes are pooled."""
        need = self.fmt.period_bytes
        while len(self._pending) < need:
            frames, data = self._call(self._in.read)
            if frames < 0:        # -EPIPE overrun: pyalsaaudio has re-prepared the stream
                self.overruns += 1
                self._pending.clear()
                return self.fmt.silence()
            if not data:
                return self.fmt.silence()
            self._pending += data
        period = bytes(self._pending[:need])
        del self._pending[:need]
        return period

    def write_period(self, data: bytes) -> None:
        if self._call(self._out.write, data) < 0:   # -EPIPE underrun; stream re-prepared
            self.underruns += 1
            self._prefill()
            self._call(self._out.write, data)

    def _call(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except self._alsa.ALSAAudioError as exc:
            raise AudioDeviceError(f"ALSA device of audio port {self.name!r} failed ({exc}); "
                                   "check that the sound card is still connected") from exc

    def close(self) -> None:
        for pcm in (self._out, self._in):
            if pcm is not None:
                pcm.close()
        self._out = self._in = None


def check_info(info: dict[str, Any], fmt: AudioFormat) -> str:
    """What ALSA granted that differs from the line format ('' when it all matches).

    The period size is not checked: ``read_period`` pools bytes, so any period size works.
    """
    wanted = {"rate": fmt.rate, "channels": fmt.channels, "format_name": ALSA_FORMAT_NAME}
    wrong = [f"{key} {info.get(key)!r} instead of {value!r}"
             for key, value in wanted.items() if info.get(key) != value]
    return ("runs at " + ", ".join(wrong)) if wrong else ""


class SerialPcmPort:
    """Raw S16LE voice on a modem's serial port; ``url`` is anything ``serial_for_url`` takes.

    Reads pool partial chunks into whole periods; when no whole period arrived within about one
    period the tick gets silence and the partial bytes wait for the next one (nothing is lost).
    The modem keeps sending while nobody listens, so a backlog beyond ``max_backlog_periods``
    is dropped in whole periods (keeps latency bounded and samples aligned).
    """

    def __init__(self, name: str, url: str, fmt: AudioFormat = LINE_FORMAT, *,
                 baudrate: int = 115200, max_backlog_periods: int | None = 5) -> None:
        self.name = name
        self.url = url
        self.fmt = fmt
        self.has_capture = True
        self.baudrate = baudrate
        self.max_backlog_periods = max_backlog_periods
        self.dropped_bytes = 0
        self.late_periods = 0
        self.lost_writes = 0
        self._serial: Any = None
        self._pending = bytearray()

    def open(self) -> None:
        period_s = self.fmt.period_frames / self.fmt.rate
        try:
            self._serial = serial.serial_for_url(self.url, baudrate=self.baudrate,
                                                 timeout=period_s, write_timeout=4 * period_s)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise AudioDeviceError(
                f"cannot open the voice serial port {self.url!r} of audio port {self.name!r} "
                f"({exc}). Check that the modem is plugged in and that this is its audio "
                "port, not its AT port.") from exc
        self._pending.clear()

    def read_period(self) -> bytes:
        need = self.fmt.period_bytes
        try:
            self._trim_backlog(need)
            if len(self._pending) < need:
                self._pending += self._serial.read(need - len(self._pending))
        except (OSError, serial.SerialException) as exc:
            raise self._failed(exc) from exc
        if len(self._pending) < need:
            self.late_periods += 1
            return self.fmt.silence()
        period = bytes(self._pending[:need])
        del self._pending[:need]
        return period

    def _trim_backlog(self, need: int) -> None:
        if self.max_backlog_periods is None:
            return
        excess = self._serial.in_waiting + len(self._pending) - self.max_backlog_periods * need
        if excess > 0:
            drop = -(-excess // need) * need       # whole periods, rounded up
            dropped = self._serial.read(drop)
            self.dropped_bytes += len(dropped)

    def write_period(self, data: bytes) -> None:
        try:
            self._serial.write(data)
        except serial.SerialTimeoutException:
            self.lost_writes += 1     # the modem stopped draining: drop rather than stall
        except (OSError, serial.SerialException) as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> AudioDeviceError:
        return AudioDeviceError(f"voice serial port {self.url!r} of audio port {self.name!r} "
                                f"failed ({exc}); check that the modem is still connected")

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None


class MemoryPort:
    """An in-memory port: plays ``capture`` as its microphone, then silence; keeps what is written.

    For tests of the engine's logic and for the CPU bench. Counts opens and closes so a test can
    check that idle ports really get closed.
    """

    def __init__(self, name: str, fmt: AudioFormat = LINE_FORMAT, capture: bytes = b"", *,
                 has_capture: bool = True) -> None:
        self.name = name
        self.fmt = fmt
        self.has_capture = has_capture
        self.capture = capture
        self.written = bytearray()
        self.opens = 0
        self.closes = 0
        self.reads = 0
        self._pos = 0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.opens > self.closes

    def open(self) -> None:
        with self._lock:
            if self.is_open:
                raise AudioDeviceError(f"memory port {self.name!r} opened twice")
            self.opens += 1

    def read_period(self) -> bytes:
        need = self.fmt.period_bytes
        with self._lock:
            self._check_open()
            chunk = self.capture[self._pos:self._pos + need]
            self._pos += len(chunk)
            self.reads += 1
        return chunk + bytes(need - len(chunk))

    def write_period(self, data: bytes) -> None:
        if len(data) != self.fmt.period_bytes:
            raise ValueError(f"wrote {len(data)} bytes, a period is {self.fmt.period_bytes}")
        with self._lock:
            self._check_open()
            self.written += data

    def _check_open(self) -> None:
        if not self.is_open:
            raise AudioDeviceError(f"memory port {self.name!r} used while closed")

    def close(self) -> None:
        with self._lock:
            if self.is_open:
                self.closes += 1

    def periods(self) -> list[bytes]:
        """What was written, split into periods."""
        n = self.fmt.period_bytes
        with self._lock:
            data = bytes(self.written)
        return [data[i:i + n] for i in range(0, len(data), n)]
