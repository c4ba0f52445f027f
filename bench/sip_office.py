"""What the SIP half costs in a whole appliance: 2 analog lines and 2 SIP phones, idle and with
one call bridged between an analog line and a SIP phone.

Prints figures; asserts nothing. The appliance (this process: core, audio engine, the box's
SIP pump) and the box's baresip are measured; the simulated ATA and phones (a second baresip
and its pump thread, ``far-sip-audio``) are the outside world and are left out. During the
call both far ends talk (the demo's voices: a sentence, then silence), so the audio engine
bridges real periods both ways.
Run: ``.venv/bin/python bench/sip_office.py`` (about 40 s; needs baresip-core and espeak-ng).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from appliance.core.clock import ManualClock  # noqa: E402  (after the path is set)
from appliance.ops.assembly import build_simulated  # noqa: E402
from hardware.audio.mixer import AudioEngine  # noqa: E402
from hardware.fakes.sip import SimulatedSip  # noqa: E402

IDLE_S = CALL_S = 15
TICK = os.sysconf("SC_CLK_TCK")


def ticks(stat_path: Path) -> int:
    fields = stat_path.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_kb(pid: int | str) -> int:
    return next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text()
                .splitlines() if line.startswith("VmRSS:"))


def box_ticks(baresip_pid: int) -> int:
    """CPU ticks of this process minus the far side's pump thread, plus the box's baresip."""
    far = sum(ticks(task / "stat") for task in Path("/proc/self/task").iterdir()
              if (task / "comm").read_text().strip() == "far-sip-audio")
    return ticks(Path("/proc/self/stat")) - far + ticks(Path(f"/proc/{baresip_pid}/stat"))


def wait(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"sip office: timed out waiting for {what}")
        time.sleep(0.01)


def furnish(appliance) -> None:
    store = appliance.store
    for n in (1, 2):
        store.create("stations", {"id": f"phone-{n}", "name": f"Phone {n}"})
        store.create("agents", {"id": f"agent-{n}", "name": f"Agent {n}",
                                "station": f"phone-{n}"})
    store.create("teams", {"id": "t", "name": "T", "strategy": "linear",
                           "members": ["agent-1", "agent-2"], "max_wait_s": 0})
    for n in (1, 2):
        store.create("lines", {"id": f"analog-{n}", "name": f"Analog {n}", "kind": "analog",
                               "entry": {"team": "t"}})


def main() -> None:
    if shutil.which("baresip") is None:
        print("sip office: skipped, baresip is not installed (./dev test installs it)")
        return
    from appliance.media.speech import Speech
    from hardware.audio.format import LINE_FORMAT
    from hardware.fakes.demo_audio import demo_voices

    with tempfile.TemporaryDirectory() as tmp:
        voices = demo_voices(LINE_FORMAT, Speech(Path(tmp) / "speech", LINE_FORMAT).render)
        sip = SimulatedSip(Path(tmp) / "sip", ["analog-1", "analog-2"], ["phone-1", "phone-2"])
        sip.start(caller_says=voices["line"], desk_says=voices["station"])
        audio = AudioEngine(sip.ports(), lambda source: bytes(320), recordings=Path(tmp) / "r")
        clock = ManualClock(datetime(2026, 11, 25, 9, tzinfo=UTC))
        appliance = build_simulated(Path(tmp) / "data", clock, audio=audio, sip=sip)
        appliance.start()
        furnish(appliance)
        api, pid = appliance.api, sip.hub.baresip.pid
        try:
            wait(lambda: all(x["state"] == "idle" for x in api.status()["lines"]), "idle lines")
            before, start = box_ticks(pid), time.monotonic()
            time.sleep(IDLE_S)          # a benchmark's idle window, not a synchronisation
            idle = (box_ticks(pid) - before) / TICK / (time.monotonic() - start) * 100
            print(f"sip office: 2 analog lines + 2 SIP phones, idle: appliance RSS "
                  f"{rss_kb('self') / 1024:.1f} MB + baresip {rss_kb(pid) / 1024:.1f} MB; "
                  f"CPU {idle:.2f} % of a core (appliance + baresip) over {IDLE_S} s")
            appliance.hardware.incoming("analog-1", "600111222")
            wait(lambda: "phone-1" in sip.far.ringing, "the phone to ring")
            appliance.hardware.offhook("phone-1")
            wait(lambda: api.status()["calls"][0]["state"] == "connected", "the bridge")
            before, start = box_ticks(pid), time.monotonic()
            time.sleep(CALL_S)          # the call's measured minute, scaled below
            used = (box_ticks(pid) - before) / TICK / (time.monotonic() - start)
            print(f"sip office: one call bridged analog line <-> SIP phone: "
                  f"{used * 60:.2f} CPU-seconds per call-minute ({used * 100:.1f} % of a core); "
                  f"appliance RSS {rss_kb('self') / 1024:.1f} MB + baresip "
                  f"{rss_kb(pid) / 1024:.1f} MB")
            appliance.hardware.hangup("analog-1")
        finally:
            appliance.close()


if __name__ == "__main__":
    main()
