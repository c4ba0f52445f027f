"""A caller's audio reaching the box's audio engine through the real baresip and the
account's pipes (hardware.sip.pcm): the ATA sends a 1 kHz tone; the box writes 440 Hz (what
the caller would hear) and reads what the caller says, 20 ms a tick as its engine does.

The other direction (the ATA recording what it heard) is not checked yet: a test ATA that
records into a paced pipe stalled baresip 1.0.0's main loop (see the issue 14 notes)."""

from __future__ import annotations

import math
from array import array

import pytest

from hardware import events as ev
from hardware.audio.pacing import MonotonicPacer
from hardware.sip.baresip import Baresip
from hardware.sip.hub import SipHub

from .conftest import Inbox, established, sip_config

RATE = 8000
SECONDS = 2.0


def power_at(pcm: bytes, freq: float) -> float:
    """Goertzel: the relative power of ``freq`` in 16-bit mono PCM at 8 kHz (0..1)."""
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    energy = sum(x * x for x in samples) or 1
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (energy * len(samples) / 2)


def tone(freq: float, periods: int) -> list[bytes]:
    samples = array("h", (int(8000 * math.sin(2 * math.pi * freq * n / RATE))
                          for n in range(periods * 160)))
    data = samples.tobytes()
    return [data[i:i + 320] for i in range(0, len(data), 320)]


@pytest.fixture
def ata_saying_1khz(tmp_path, baresip_installed):
    config = sip_config("600111222", rtp=12200, audio_source="ausine,1000",
                        extra=("ausrc_srate 48000", "ausrc_channels 2"))
    inbox = Inbox()
    phone = Baresip(config, tmp_path / "ata", on_event=inbox.put, name="ata")
    phone.start()
    yield phone, inbox
    phone.close()


def test_the_box_hears_the_caller_and_serves_the_call_to_its_end(tmp_path, baresip_installed,
                                                                 ata_saying_1khz):
    phone, rings = ata_saying_1khz
    hub = SipHub(sip_config("line-a", rtp=11300, pipes=True), tmp_path / "box", name="box-sip")
    posted = Inbox()
    line = hub.line("line-a", ata_host="127.0.0.1")
    hub.start()
    line.start(posted.put)
    port = hub.port("line-a")
    pacer = MonotonicPacer()
    try:
        phone.command("dial", hub.config.aor("line-a"))
        posted.next_matching(lambda e: isinstance(e, ev.IncomingCall))
        line.answer()
        posted.next_matching(lambda e: isinstance(e, ev.LineAnswered))
        rings.next_matching(established)
        port.open()
        said, got = tone(440, int(SECONDS * 50)), []
        pacer.start()
        for period in said:
            pacer.wait_next()
            port.write_period(period)
            got.append(port.read_period())
        voiced = [p for p in got if any(p)]     # the first second is silence (measured 1 s
        assert len(voiced) >= 25                # of start-up: jitter buffer and pipes)
        assert sum(power_at(p, 1000) > 0.5 for p in voiced) > 0.9 * len(voiced)
        assert all(power_at(p, 440) < 0.05 for p in voiced)    # no echo of the box
        phone.command("hangup")
        for _ in range(250):                 # baresip plays and records until the call is
            if not posted.items.empty():     # down: both pipes are served every tick
                break
            pacer.wait_next()
            port.write_period(bytes(320))
            port.read_period()
        assert posted.next_matching(lambda e: True) == ev.CallerHungUp("line-a")
    finally:
        pacer.close()
        port.close()
        hub.close()
