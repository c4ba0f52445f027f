"""The issue's demo story through pty fake modems and the real modem driver: real +CMTI/PDU
texts in, real AT+CMGS texts out, a real ATD for the callback.

A caller out of hours hangs up and gets the missed-call text; their "¡Sí!" through the
contract's ``POST /api/sim/lines/<id>/sms`` becomes consent and a callback at opening time;
at opening the agent's handset rings, the box dials the customer and connects them. A caller
waiting in the queue presses 1: confirmed by voice and by text, called back once the agent is
free. The core runs on a manual clock (opening time is driven); the modems run in real time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from appliance.config.messaging import Messaging
from appliance.ops.assembly import build_simulated
from tests.office import Office
from tests.waiting import wait_for
from web import create_app

X, Y = "+34600111222", "+34600333444"
KEY = "callback-modem-key-1"


def test_the_demo_story_through_fake_modems(tmp_path, clock):
    appliance = build_simulated(tmp_path / "data", clock, modems=True)
    appliance.start()
    o = Office(appliance)
    try:
        o.add("stations", id="s1", name="Desk 1")
        o.add("agents", id="a1", name="Ana", station="s1")
        o.add("teams", id="front", name="Front", members=["a1"], wrap_up_s=0)
        o.add("schedules", id="week", name="Week", timezone="Europe/Madrid",
              weekly={d: [["11:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        o.add("lines", id="l1", name="SIM", entry={"team": "front"}, schedule="week")
        appliance.engine.set_messaging(Messaging(owner_mobile="+34699000000"))
        wait_for(lambda: o.status.line("l1").state == "idle", what="the modem to come up")
        modem = o.hw.lines["l1"]

        o.hw.incoming("l1", X)                                   # 10:00 in Madrid: closed
        wait_for(lambda: o.call_on("l1") and o.call_on("l1").state == "message",
                 what="the closed message")
        o.hw.hangup("l1")
        modem.wait_for(lambda m: [to for to, _ in m.sent_sms] == [X], timeout=10)
        assert "We missed your call." in modem.sent_sms[0][1]

        client = create_app(appliance.api, api_key=KEY).test_client()
        sent = client.post("/api/sim/lines/l1/sms", headers={"X-Api-Key": KEY},
                           json={"sender": X, "text": "¡Sí!"})
        assert sent.status_code == 202
        [cb] = wait_for(lambda: client.get("/api/callbacks", headers={"X-Api-Key": KEY})
                        .get_json(), what="the callback")
        assert (cb["number"], cb["state"], cb["consent"]["text"]) == (X, "waiting", "¡Sí!")
        modem.wait_for(lambda m: len(m.sent_sms) == 3, timeout=10)   # customer and owner
        assert (X, "We will call you back from this number today from 11:00.") in \
            modem.sent_sms

        o.set_time(datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC))   # 11:00:01 in Madrid
        wait_for(lambda: o.ringing() == {"s1"}, what="the agent's handset rung first")
        o.pick_up("s1")
        wait_for(lambda: o.call_on("l1") and o.call_on("l1").state == "connected",
                 what="the customer answering the box's call", timeout=10)
        assert "ATD" + X + ";" in modem.commands
        o.put_down("s1")
        wait_for(lambda: o.status.line("l1").state == "idle", what="the line free again")
        assert o.app.api.texting.callbacks()[0]["state"] == "done"

        o.store.set_presence("a1", "away")                      # nobody free: Y waits
        o.settle()
        o.hw.incoming("l1", Y)
        wait_for(lambda: o.call_on("l1") and o.call_on("l1").state == "queued",
                 what="the caller queued")
        o.hw.dtmf("l1", "1")
        wait_for(lambda: o.call_on("l1") is None, what="the confirmation and the hang-up")
        modem.wait_for(lambda m: any(to == Y for to, _ in m.sent_sms), timeout=10)
        o.store.set_presence("a1", "available")
        wait_for(lambda: o.ringing() == {"s1"}, what="the callback ringing the agent")
    finally:
        appliance.close()
