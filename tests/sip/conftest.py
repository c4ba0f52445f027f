"""Real baresip processes on 127.0.0.1: the box's, and a second one playing the ATA.

``./dev test`` installs Debian's baresip-core; without it these tests fail saying so.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hardware.sip.baresip import Baresip, loopback_config
from hardware.sip.control import Event

WAIT_S = 5.0


sip_config = loopback_config


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


@contextmanager
def far_end(directory: Path, user: str, rtp: int, **more: Any) -> Iterator[tuple[Baresip, Inbox]]:
    """A second baresip with one account (``user``): an ATA or a phone, and what it saw."""
    inbox = Inbox()
    far = Baresip(sip_config(user, rtp=rtp, **more), directory, on_event=inbox.put, name=user)
    far.start()
    try:
        yield far, inbox
    finally:
        far.close()


@pytest.fixture
def ata(tmp_path, baresip_installed) -> Iterator[tuple[Baresip, Inbox]]:
    """A baresip whose account is the caller's number, as an HT813 presents a PSTN call;
    its tone source paces its RTP, which RFC 2833 keys need."""
    with far_end(tmp_path / "ata", "600111222", 12000, audio_source="ausine,440",
                 extra=("ausrc_srate 48000", "ausrc_channels 2")) as found:
        yield found


def established(event: Event) -> bool:
    return event.type == "CALL_ESTABLISHED"
