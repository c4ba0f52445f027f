"""Recorded modems from python-gsmmodem's test/fakemodems.py, replayed to the real driver.

Each recording has the modem's own answers to identification, SIM and call commands, and the
lines it printed for an incoming call and its end (Huawei ^CEND, Wavecom NO CARRIER + WIND,
ZTE/Qualcomm HANGUP). The recordings hold no network answers, so python-gsmmodem's recorded
+CREG/+CSQ/+COPS answers (its test_modem.py) stand in; while the call is up, AT+CLCC gets the
call (the recordings only hold the idle answer).
"""

from __future__ import annotations

import pytest

from appliance import events as ev
from hardware.modem.gsm import GsmModem, ModemSettings
from tests.waiting import Events

from . import corpus
from .recorded_modem import RecordedModem

RECORDINGS = [v for v in corpus.by_area("transcript") if "synthetic" not in v["model"]]
NETWORK = {"AT+CREG?": ["+CREG: 0,1", "OK"], "AT+CSQ": ["+CSQ: 18,99", "OK"],
           "AT+COPS?": ['+COPS: 0,0,"MTN",2', "OK"]}
FAST = {"health_s": 30, "command_timeout_s": 1.0, "clcc_poll_s": 0.3, "clip_wait_s": 0.2,
        "ring_gap_s": 5.0, "backoff_s": (0.05,)}


@pytest.fixture
def replay(tmp_path):
    made = []

    def start(recording):
        modem = RecordedModem(tmp_path / "gsm-at", {**NETWORK, **recording["responses"]},
                              recording["default_response"])
        modem.start()
        events = Events()
        driver = GsmModem("l1", ModemSettings(str(tmp_path / "gsm-at"), **FAST))
        driver.start(events.put)
        made.append((driver, modem))
        return modem, driver, events

    yield start
    for driver, modem in made:
        driver.close()
        modem.close()


@pytest.mark.parametrize("recording", RECORDINGS, ids=[v.id for v in RECORDINGS])
def test_a_recorded_modem_comes_up_and_takes_a_call(replay, recording):
    modem, driver, events = replay(recording)
    status = events.expect(ev.LineStatus)
    assert status.online, status.reason
    info = next(e.info for e in events.seen if isinstance(e, ev.LineInfo))
    responses = recording["responses"]
    assert info["imei"] == responses["AT+CGSN"][0]
    assert info["manufacturer"] == responses["AT+CGMI"][0].strip()
    assert info["sim"] == "READY"

    incoming = recording["incoming_call"]
    modem.send(*incoming["lines"])
    assert events.expect(ev.IncomingCall).caller == incoming["number"]
    modem.answer("AT+CLCC", [f'+CLCC: 1,1,0,0,0,"{incoming["number"]}",145', "OK"])
    driver.answer()
    events.expect(ev.LineAnswered)

    modem.answer("AT+CLCC", responses.get("AT+CLCC", ["OK"]))
    modem.send(*recording["remote_hangup"])
    events.expect(ev.CallerHungUp)
