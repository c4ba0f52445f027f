"""SerialPcmPort on a real pty: the kernel tty layer splits and merges writes as it likes."""

from __future__ import annotations

import os
import select
import threading
import tty

import pytest

from hardware.audio.ports import AudioDeviceError, MemoryPort, SerialPcmPort
from tests.audio.conftest import PERIOD, pattern, split
from tests.audio.test_mixer import lockstep
from tests.waiting import wait_for

CHUNKS = (1, 7, 333, 50, 641, 3, 319, 2)             # odd sizes: frames never line up


@pytest.fixture
def pty_pair():
    """(master fd, slave path): the test plays the modem on the master side."""
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def write_in_odd_chunks(fd: int, data: bytes) -> None:
    pos = n = 0
    while pos < len(data):
        size = CHUNKS[n % len(CHUNKS)]
        pos += os.write(fd, data[pos:pos + size])
        n += 1


def read_exactly(fd: int, size: int, timeout: float = 5.0) -> bytes:
    data = b""
    while len(data) < size:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"only {len(data)} of {size} bytes arrived"
        data += os.read(fd, size - len(data))
    return data


def test_frames_written_in_odd_chunks_are_reassembled_exactly(pty_pair):
    master, path = pty_pair
    frames = split(pattern(60, voice=3))
    port = SerialPcmPort("line:l1", path, max_backlog_periods=None)
    port.open()
    modem = threading.Thread(target=write_in_odd_chunks, args=(master, b"".join(frames)))
    modem.start()
    heard: list[bytes] = []
    for _ in range(60 * 50):                          # each read waits at most one period
        if len(heard) == len(frames):
            break
        period = port.read_period()
        assert len(period) == PERIOD
        if any(period):
            heard.append(period)
    modem.join(5)
    port.close()
    assert heard == frames


def test_a_written_frame_reaches_the_modem_whole(pty_pair):
    master, path = pty_pair
    port = SerialPcmPort("line:l1", path)
    port.open()
    port.write_period(pattern(1, voice=4))
    port.write_period(pattern(2, voice=5)[PERIOD:])
    assert read_exactly(master, 2 * PERIOD) == pattern(1, voice=4) + pattern(2, voice=5)[PERIOD:]
    port.close()


def test_silence_when_nothing_arrived_in_time_and_partial_bytes_are_kept(pty_pair):
    master, path = pty_pair
    port = SerialPcmPort("line:l1", path)
    port.open()
    frame = pattern(1, voice=6)
    os.write(master, frame[:100])
    wait_for(lambda: port._serial.in_waiting == 100, what="100 bytes on the pty")
    assert port.read_period() == bytes(PERIOD)
    os.write(master, frame[100:])
    wait_for(lambda: port._serial.in_waiting == PERIOD - 100, what="the rest of the frame")
    assert port.read_period() == frame
    port.close()


def test_a_backlog_is_dropped_in_whole_periods(pty_pair):
    master, path = pty_pair
    frames = split(pattern(10, voice=7))             # the tty layer buffers up to 4 kB
    port = SerialPcmPort("line:l1", path, max_backlog_periods=3)
    port.open()
    os.write(master, b"".join(frames))
    wait_for(lambda: port._serial.in_waiting == 10 * PERIOD, what="10 frames on the pty")
    assert [port.read_period() for _ in range(3)] == frames[7:]
    assert port.dropped_bytes == 7 * PERIOD
    port.close()


def test_a_missing_serial_port_says_what_to_check():
    with pytest.raises(AudioDeviceError, match=r"modem is plugged in.*audio port"):
        SerialPcmPort("line:l1", "/dev/ttyUSB-nonexistent").open()


def test_the_engine_bridges_a_serial_modem_to_a_handset(pty_pair, make_engine, pacers):
    master, path = pty_pair
    caller = pattern(10, voice=8)
    desk = MemoryPort("station:s1", capture=pattern(10, voice=9))
    line = SerialPcmPort("line:l1", path, max_backlog_periods=None)
    engine = make_engine({"line:l1": line, "station:s1": desk})
    engine.bridge("line:l1", "station:s1")
    pacers.of("line:l1")                              # the worker has opened the port
    write_in_odd_chunks(master, caller)
    wait_for(lambda: line._serial.in_waiting == len(caller), what="the caller's audio")
    lockstep(pacers, ["line:l1", "station:s1"], 10)
    assert desk.periods() == split(caller)
    assert read_exactly(master, 10 * PERIOD) == bytes(PERIOD) + pattern(10, voice=9)[:9 * PERIOD]
