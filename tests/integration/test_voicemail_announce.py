"""Voicemail records and their API; periodic announcements to waiting callers."""

from __future__ import annotations

import wave

import pytest

from web import create_app

KEY = "voicemail-key-12345"


@pytest.fixture
def voicemail_office(office):
    office.change("teams", "sales", max_wait_s=30, overflow={"action": "voicemail"})
    for station in ("s1", "s2", "s3"):
        office.pick_up(station)
    return office


def leave_message(office, *, seconds: float, reason: str) -> str:
    office.call("l1", "600111222")
    office.advance(30)
    call_id = office.call_on("l1").id
    office.hw.audio.end_recording("line:l1", reason, seconds)
    office.settle()
    return call_id


def test_silence_ends_the_message_and_it_is_listed(voicemail_office):
    o = voicemail_office
    call_id = leave_message(o, seconds=12.5, reason="silence")
    assert o.call_on("l1") is None
    assert (o.last_call()["outcome"], o.last_call()["reason"]) == ("voicemail", "silence")
    assert o.hw.lines["l1"].commands[-1] == "hangup"
    [message] = o.app.history.voicemails()
    assert message == {"id": call_id, "line": "l1", "caller": "600111222",
                       "at": message["at"], "seconds": 12.5, "heard": False}


def test_caller_hanging_up_while_recording_keeps_the_message(voicemail_office):
    o = voicemail_office
    o.call("l1")
    o.advance(30)
    o.advance(7)
    o.caller_hangs_up("l1")
    [message] = o.app.history.voicemails()
    assert message["seconds"] == 0.0     # what the (fake) recorder reported when stopped
    assert o.last_call()["outcome"] == "voicemail"


def test_hanging_up_during_the_prompt_leaves_no_message(voicemail_office):
    o = voicemail_office
    o.hw.audio.prompts_end = False
    o.call("l1")
    o.advance(30)
    o.caller_hangs_up("l1")
    assert o.app.history.voicemails() == []
    assert o.last_call()["outcome"] == "failed"     # overflowed, nothing recorded


def test_voicemail_api_lists_downloads_marks_and_deletes(voicemail_office):
    o = voicemail_office
    call_id = leave_message(o, seconds=3.0, reason="max_length")
    wav = o.app.api.recordings / f"{call_id}.wav"
    with wave.open(str(wav), "wb") as w:      # what the real recorder would have written
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(48000))
    client = create_app(o.app.api, api_key=KEY).test_client()
    headers = {"X-Api-Key": KEY}
    assert client.get("/api/voicemail").status_code == 401
    listed = client.get("/api/voicemail", headers=headers).get_json()
    assert [m["id"] for m in listed] == [call_id]
    with client.get(f"/api/voicemail/{call_id}/download", headers=headers) as download:
        assert (download.status_code, download.mimetype) == (200, "audio/wav")
        assert download.data == wav.read_bytes()
    marked = client.post(f"/api/voicemail/{call_id}/heard", headers=headers).get_json()
    assert marked["heard"] is True
    assert client.delete(f"/api/voicemail/{call_id}", headers=headers).status_code == 204
    assert not wav.exists()
    assert client.get("/api/voicemail", headers=headers).get_json() == []
    assert client.delete(f"/api/voicemail/{call_id}", headers=headers).status_code == 404


def test_waiting_callers_hear_the_announcement_between_hold_audio(office):
    office.change("teams", "sales", announce="Thank you for waiting.", announce_every_s=20)
    for station in ("s1", "s2", "s3"):
        office.pick_up(station)
    office.call("l1")
    assert office.heard("l1") == ["tone:hold (loop)"]
    office.advance(19)
    assert office.heard("l1") == ["tone:hold (loop)"]
    office.advance(1)
    assert office.heard("l1") == ["tone:hold (loop)", "say:Thank you for waiting.",
                                  "tone:hold (loop)"]
    office.advance(20)
    assert office.heard("l1").count("say:Thank you for waiting.") == 2
    office.put_down("s1")
    office.pick_up("s1")
    assert office.call_on("l1").state == "connected"
    office.advance(60)
    assert office.heard("l1").count("say:Thank you for waiting.") == 2   # not once connected
