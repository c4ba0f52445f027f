"""Staff at a desk handset: a flash holds the caller and a second brings them back; feature
codes dialled on a lifted idle handset (as DTMF through the detector) change presence; *0 is
refused until callers can consent to a call back. Through the simulation API too."""

from __future__ import annotations

from hardware.audio.sources import Tone
from web import create_app

KEY = "desk-handset-key-123"


def connected(office):
    office.call("l1", "600111222")
    office.pick_up("s1")
    assert office.call_on("l1").state == "connected"


def test_a_flash_holds_the_caller_with_hold_audio_and_a_second_brings_them_back(office):
    connected(office)
    office.hw.flash("s1")
    office.settle()
    station = next(s for s in office.app.api.status()["stations"] if s["id"] == "s1")
    assert station["held"] is True
    assert frozenset({"line:l1", "station:s1"}) not in office.hw.audio.bridges
    assert office.heard("l1")[-1] == "tone:hold (loop)"
    assert office.call_on("l1").hearing == "tone:hold"
    office.hw.flash("s1")
    office.settle()
    assert frozenset({"line:l1", "station:s1"}) in office.hw.audio.bridges
    assert "line:l1" not in office.hw.audio.playing
    assert office.call_on("l1").hearing == "agent"
    office.put_down("s1")
    timeline = [e["kind"] for e in office.app.api.call(office.last_call()["id"])["events"]]
    assert timeline.index("held") < timeline.index("resumed")


def test_feature_codes_set_presence_and_call_back_is_refused(office):
    office.pick_up("s2")                      # Agent 2 lifts an idle handset
    office.hw.dial("s2", "*2")
    office.settle()
    assert office.status.agent("a2").presence == "away"
    assert office.store.get("agents", "a2")["presence"] == "away"       # kept
    office.hw.dial("s2", "*1")
    office.settle()
    assert office.status.agent("a2").presence == "available"
    office.hw.dial("s2", "*0")
    office.settle()
    assert office.status.agent("a2").presence == "available"
    assert office.hw.audio.played("station:s2")[-1] == "tone:refused"
    office.put_down("s2")


def test_the_simulation_api_flashes_and_dials(office):
    client = create_app(office.app.api, api_key=KEY).test_client()
    headers = {"X-Api-Key": KEY}
    connected(office)
    assert client.post("/api/sim/stations/s1/flash", headers=headers).status_code == 202
    office.settle()
    assert client.get("/api/status", headers=headers).get_json()["stations"][0]["held"]
    assert client.post("/api/sim/stations/s2/dial", json={"digits": "*2"},
                       headers=headers).status_code == 409           # s2 is not lifted
    assert client.post("/api/sim/stations/s2/flash", headers=headers).status_code == 409
    assert office.hw.handsets["s2"].off_hook is False                 # the flash left it down
    office.pick_up("s2")
    assert client.post("/api/sim/stations/s2/dial", json={"digits": "*2"},
                       headers=headers).status_code == 202
    office.settle()
    assert office.status.agent("a2").presence == "away"
    bad = client.post("/api/sim/stations/s2/dial", json={"digits": "x"}, headers=headers)
    assert bad.status_code == 400


def test_the_earpiece_hears_dial_tone_a_through_beep_and_busy_when_the_caller_has_gone(office):
    office.pick_up("s2")
    assert office.hw.audio.playing["station:s2"] == (Tone.DIAL, True)
    office.hw.dial("s2", "*")
    office.settle()
    assert "station:s2" not in office.hw.audio.playing        # a key ends the dial tone
    office.put_down("s2")
    office.call("l1", "600111222")
    office.pick_up("s1")
    assert office.hw.audio.played("station:s1")[-1] == "tone:connected"
    office.caller_hangs_up("l1")
    assert office.hw.audio.playing["station:s1"] == (Tone.BUSY, True)
    office.put_down("s1")
    assert "station:s1" not in office.hw.audio.playing


def test_a_lifted_idle_handsets_microphone_is_listened_to_for_keys(office):
    """On a Pi the audio engine hears the keys (KeyHeard); the core takes them as dialled."""
    from appliance.events import KeyHeard

    office.pick_up("s2")
    assert "station:s2" in office.hw.audio.listening
    for key in "*2":
        office.engine.post(KeyHeard("station:s2", key))
    office.settle()
    assert office.status.agent("a2").presence == "away"
    office.put_down("s2")
    assert "station:s2" not in office.hw.audio.listening
