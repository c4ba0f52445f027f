"""Real baresip processes on 127.0.0.1: the box's, and a second one playing the ATA.

``./dev test`` installs Debian's baresip-core; without it these tests fail saying so.
"""

from __future__ import annotations

import queue
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from hardware.sip.baresip import Baresip, BaresipConfig
from hardware.sip.control import Event

WAIT_S = 5.0


def free_port() -> int:
    """A port free for UDP and TCP, with the next one free for TCP: baresip's SIP listens on
    UDP and TCP, and its SIP over TLS on the port after (its control is TCP)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
                tls.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port


def sip_config(*accounts: str, rtp: int, **more: Any) -> BaresipConfig:
    sip = free_port()
    while (ctrl := free_port()) in (sip, sip + 1):
        pass
    return BaresipConfig("127.0.0.1", sip_port=sip, ctrl_port=ctrl, rtp_ports=(rtp, rtp + 40),
                         accounts=accounts, **more)


class Inbox:
    """What a driver or a baresip posted, read in order with a timeout (never a sleep)."""

    def __init__(self) -> None:
        self.items: queue.Queue[Any] = queue.Queue()

    def put(self, item: Any) -> None:
        self.items.put(item)

    def next_matching(self, predicate, timeout: float = WAIT_S) -> Any:
        while True:
            item = self.items.get(timeout=timeout)
            if predicate(item):
                return item


@pytest.fixture(scope="session")
def baresip_installed() -> str:
    found = shutil.which("baresip")
    if found is None:
        pytest.fail("baresip is not installed; ./dev test installs baresip-core (as root).")
    return found


@pytest.fixture
def ata(tmp_path, baresip_installed) -> Iterator[tuple[Baresip, Inbox]]:
    """A baresip whose account is the caller's number, as an HT813 presents a PSTN call."""
    inbox = Inbox()
    tone = {"audio_source": "ausine,440",                                   # paced RTP
            "extra": ("ausrc_srate 48000", "ausrc_channels 2")}
    phone = Baresip(sip_config("600111222", rtp=12000, **tone), tmp_path / "ata",
                    on_event=inbox.put, name="ata")
    phone.start()
    yield phone, inbox
    phone.close()


def established(event: Event) -> bool:
    return event.type == "CALL_ESTABLISHED"
