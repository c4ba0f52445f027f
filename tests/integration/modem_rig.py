"""A fake modem on a pty and the real driver on its stable link, for the driver's tests."""

from __future__ import annotations

import pytest

from appliance import events as ev
from hardware.fakes.modem import Dialect, FakeModem, Quirks
from hardware.modem.gsm import GsmModem, ModemSettings
from hardware.modem.setup import PinGuard
from tests.waiting import Events

ALL = list(Dialect)
FAST = {"health_s": 0.5, "command_timeout_s": 1.0, "clcc_poll_s": 0.3, "clip_wait_s": 0.2,
        "ring_gap_s": 1.0, "backoff_s": (0.05, 0.1, 0.2)}


class Rig:
    """A fake modem, the driver on its stable link, and the events the driver posted."""

    def __init__(self, tmp_path, dialect: Dialect, *, pin: str | None = None,
                 sim_pin: str | None = None, quirks: Quirks | None = None, registered: int = 1,
                 **settings) -> None:
        self.fake = FakeModem(dialect, link=tmp_path / "gsm-at", pin=sim_pin,
                              quirks=quirks or Quirks(), registered=registered)
        self.fake.start()
        self.posted = Events()
        self.expect, self.seen = self.posted.expect, self.posted.seen
        self.guard = PinGuard(tmp_path / "refused-pins")
        self.driver = GsmModem("l1", ModemSettings(self.fake.path, pin=pin, **(FAST | settings)),
                               pin_guard=self.guard)
        self.driver.start(self.posted.put)

    def online(self) -> None:
        self.expect(ev.LineStatus, online=True)

    def incoming(self, caller="+34600123456", **kwargs) -> ev.IncomingCall:
        self.fake.ring(caller, **kwargs)
        return self.expect(ev.IncomingCall)

    def connected(self) -> None:
        self.incoming()
        self.driver.answer()
        self.expect(ev.LineAnswered)
        self.fake.wait_for(lambda f: f.call_state == "active")

    def close(self) -> None:
        self.driver.close()
        self.fake.close()
        assert self.fake.faults == []


@pytest.fixture
def rig(tmp_path):
    rigs = []

    def make(dialect: Dialect = Dialect.SIM7600, **kwargs) -> Rig:
        r = Rig(tmp_path, dialect, **kwargs)
        rigs.append(r)
        return r

    yield make
    for r in rigs:
        r.close()


