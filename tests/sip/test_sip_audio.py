"""Audio through the real baresip and each account's pipes (hardware.sip.pcm), both ways at
once: a second baresip with its own pipes plays the ATA. Each side writes a tone 20 ms a tick,
as the audio engine does, and a Goertzel detector checks what the other side heard."""

from __future__ import annotations

import math
from array import array

from hardware import events as ev
from hardware.audio.pacing import MonotonicPacer
from hardware.sip.hub import SipHub
from tests.goertzel import power_at

from .conftest import Inbox, sip_config

RATE = 8000
PERIODS = 125            # 2.5 s; the first second is silence (jitter buffers, pipes)


def tone(freq: float, periods: int) -> list[bytes]:
    samples = array("h", (int(8000 * math.sin(2 * math.pi * freq * n / RATE))
                          for n in range(periods * 160)))
    data = samples.tobytes()
    return [data[i:i + 320] for i in range(0, len(data), 320)]


def test_each_side_hears_the_other_through_two_baresips(tmp_path, baresip_installed):
    """Both directions at once: the ATA (its own baresip and pipes, as the box's) says 1 kHz
    and hears the box's 440 Hz; the box hears 1 kHz."""
    box = SipHub(sip_config("line-a", rtp=11400, pipes=True), tmp_path / "box", name="box-sip")
    ata = SipHub(sip_config("600111222", rtp=12400, pipes=True), tmp_path / "ata", name="ata")
    posted = Inbox()
    line = box.line("line-a", ata_host="127.0.0.1")
    box.start()
    ata.start()
    line.start(posted.put)
    box_port, ata_port = box.port("line-a"), ata.port("600111222")
    pacer = MonotonicPacer()
    try:
        ata.baresip.command("dial", box.config.aor("line-a"))
        posted.next_matching(lambda e: isinstance(e, ev.IncomingCall))
        line.answer()
        posted.next_matching(lambda e: isinstance(e, ev.LineAnswered))
        box_port.open()
        ata_port.open()
        box_heard, ata_heard = [], []
        pacer.start()
        for box_says, ata_says in zip(tone(440, PERIODS), tone(1000, PERIODS), strict=True):
            pacer.wait_next()
            box_port.write_period(box_says)
            ata_port.write_period(ata_says)
            box_heard.append(box_port.read_period())
            ata_heard.append(ata_port.read_period())
        for heard, freq, other in ((box_heard, 1000, 440), (ata_heard, 440, 1000)):
            voiced = [p for p in heard if any(p)]
            assert len(voiced) >= 40, f"{freq} Hz: only {len(voiced)} voiced periods"
            assert sum(power_at(p, freq) > 0.5 for p in voiced) > 0.9 * len(voiced)
            assert all(power_at(p, other) < 0.05 for p in voiced)
        box_port.close()                     # the engine lets go; the pump serves on until
        ata.baresip.command("hangup")        # the call is down, or baresip could not end it
        assert posted.next_matching(lambda e: True) == ev.CallerHungUp("line-a")
    finally:
        pacer.close()
        ata.close()
        box.close()
