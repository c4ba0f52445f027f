"""SIP through baresip: how fast an ATA's call reaches the core, and what baresip costs idle.

Prints figures; asserts nothing. Two real baresip processes on loopback, as in
tests/sip: the box's (one analog line, ``hardware.sip.lines``) and a second one playing the
ATA. Each sample: the ATA dials the line; the time until the line driver posts
``IncomingCall`` (the core's first chance to react); the box then answers and hangs up, and
the next sample waits until the line is released. Then baresip's resident memory and its CPU
over ``IDLE_S`` seconds with nothing happening.
Run: ``.venv/bin/python bench/sip.py`` (about 20 s; needs baresip-core).
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import events as ev  # noqa: E402  (after the path is set)
from hardware.sip.baresip import Baresip, BaresipConfig  # noqa: E402
from hardware.sip.hub import SipHub  # noqa: E402

SAMPLES = 100
IDLE_S = 10


def port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def config(user: str, rtp: int, **more) -> BaresipConfig:
    return BaresipConfig("127.0.0.1", port(socket.SOCK_DGRAM), port(socket.SOCK_STREAM),
                         (rtp, rtp + 40), (user,), **more)


def wait_for(inbox: queue.Queue, kind: type) -> object:
    while not isinstance(item := inbox.get(timeout=5), kind):
        pass
    return item


def proc_stat(pid: int) -> tuple[int, int]:
    """(resident kB, CPU ticks used) of a process, from /proc."""
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text()
               .splitlines() if line.startswith("VmRSS:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, int(fields[11]) + int(fields[12])


def main() -> None:
    if shutil.which("baresip") is None:
        print("sip: skipped, baresip is not installed (./dev test installs baresip-core)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        hub = SipHub(config("line-a", 11000), Path(tmp) / "box", name="box")
        posted: queue.Queue = queue.Queue()
        line = hub.line("line-a", ata_host="127.0.0.1")
        hub.start()
        line.start(posted.put)
        ata = Baresip(config("600111222", 12000), Path(tmp) / "ata", on_event=lambda e: None,
                      name="ata")
        ata.start()
        try:
            samples = []
            for _ in range(SAMPLES):
                start = time.perf_counter()
                ata.command("dial", hub.config.aor("line-a"))
                wait_for(posted, ev.IncomingCall)
                samples.append((time.perf_counter() - start) * 1000)
                line.answer()
                wait_for(posted, ev.LineAnswered)
                line.hangup()
                wait_for(posted, ev.LineReleased)
            samples.sort()
            print(f"sip: ATA dial -> IncomingCall posted ({SAMPLES} calls): "
                  f"p50 {statistics.median(samples):.1f} ms, "
                  f"p99 {samples[int(SAMPLES * 0.99) - 1]:.1f} ms, max {samples[-1]:.1f} ms")
            pid = hub.baresip.pid
            rss, before = proc_stat(pid)
            time.sleep(IDLE_S)           # a benchmark's idle window, not a synchronisation
            _, after = proc_stat(pid)
            cpu = (after - before) / os.sysconf("SC_CLK_TCK") / IDLE_S * 100
            print(f"sip: the box's baresip, one analog line, idle: RSS {rss / 1024:.1f} MB, "
                  f"CPU {cpu:.2f} % of a core over {IDLE_S} s")
        finally:
            ata.close()
            hub.close()


if __name__ == "__main__":
    main()
