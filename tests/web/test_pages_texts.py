"""The section "Callbacks and texts" and the team form's callback fields, on the real core.

The office's lines dial and send texts here (``diallers``), as SIM lines do, so a caller
waiting can press the callback key and a reply in a conversation really leaves.
"""

from __future__ import annotations

import re
import wave
from html import unescape

import pytest

from hardware.events import SmsReceived
from tests.office import Office, running

from .forms import form_of

SPANISH = {"Accept-Language": "es"}
CALLER = "+34600111222"


@pytest.fixture
def bare_office(tmp_path, clock):
    """The web tests' office, on lines that can dial and text (like SIM lines)."""
    with running(tmp_path / "data", clock, diallers=True) as office:
        yield office


pytestmark = pytest.mark.usefixtures("seeded")


def page(owner, path: str, **kwargs) -> str:
    reply = owner.client.get(path, **kwargs)
    assert reply.status_code == 200, path
    return reply.get_data(as_text=True)


def text_of(html: str) -> str:
    """The page's words, without tags and scripts, on one line (what a person reads)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def flashed(reply) -> str:
    return text_of(" ".join(re.findall(r'<p class="message [^"]+" role="status">(.*?)</p>',
                                       reply.get_data(as_text=True), re.S)))


# -- the team form ----------------------------------------------------------------------------

def test_the_team_form_saves_what_a_team_serves_and_its_callbacks_and_shows_them_again(
        owner, store):
    fields = form_of(owner, "/teams/sales") | {
        "channels": ["voice", "sms"], "callback_key": "#", "callback_tries": "5",
        "callback_every_min": "15"}
    assert owner.client.post("/teams/sales", data=fields).status_code == 302
    team = store.get("teams", "sales")
    assert (team["channels"], team["callback_key"], team["callback_tries"],
            team["callback_every_min"]) == (["voice", "sms"], "#", 5, 15)
    form = page(owner, "/teams/sales")
    assert re.search(r'name="channels" value="sms" checked', form)
    assert re.search(r'<option value="#" selected>', form)
    assert 'id="callback_tries" name="callback_tries" inputmode="numeric" size="6"\n' \
           '             value="5"' in form

    fields |= {"channels": ["sms"], "callback_key": ""}
    assert owner.client.post("/teams/sales", data=fields).status_code == 302
    team = store.get("teams", "sales")
    assert (team["channels"], team["callback_key"]) == (["sms"], None)


def test_a_team_form_with_no_channel_and_a_bad_number_of_tries_says_so_beside_them(
        owner, store):
    fields = form_of(owner, "/teams/sales") | {"channels": [], "callback_tries": "20",
                                               "callback_every_min": "often"}
    reply = owner.client.post("/teams/sales", data=fields, headers=SPANISH)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="err-channels"' in html
    assert "Marque llamadas, mensajes o ambos." in html
    assert 'id="err-callback_tries"' in html
    assert 'id="err-callback_every_min"' in html
    assert 'value="often"' in html
    assert 'value="20"' in html
    assert store.get("teams", "sales")["callback_tries"] == 3


# -- the text settings ------------------------------------------------------------------------

def settings_form(**changes: str) -> dict[str, str]:
    return {"owner_mobile": "+34 611 222 333", "daily_summary": "yes", "summary_at": "",
            "missed_call_texts": "yes", "quiet_close_min": "60", "conversations_per_agent": "3",
            "templates.es.missed_call": "Le hemos perdido. {hours}",
            "templates.es.callback": "Le llamamos {when}.",
            "templates.en.missed_call": "", "templates.en.callback": ""} | changes


def test_the_text_settings_are_saved_and_shown_with_what_each_template_costs(owner):
    html = page(owner, "/texts/settings")
    assert "GSM-7" in html
    token = owner.form_token("/texts/settings")
    reply = owner.client.post("/texts/settings", data=settings_form(
        csrf_token=token, **{"templates.es.callback": "Le llamaré {when}, ¿vale? 🙂"}))
    assert reply.status_code == 302
    saved = owner.client.get("/api/messaging").get_json()
    assert saved["owner_mobile"] == "+34611222333"
    assert (saved["quiet_close_min"], saved["conversations_per_agent"]) == (60, 3)
    assert (saved["daily_summary"], saved["summary_at"]) == (True, None)
    assert saved["templates"]["es"]["callback"] == "Le llamaré {when}, ¿vale? 🙂"
    assert saved["templates"]["en"]["callback"].startswith("We will call you back")  # default
    words = text_of(page(owner, "/texts/settings", headers=SPANISH))
    assert "caracteres, UCS-2 (los acentos como á o los emojis" in words
    assert words.count("caracteres, GSM-7, 1 SMS") == 3


def test_a_bad_mobile_and_an_unknown_placeholder_are_shown_beside_them_and_kept(owner):
    before = owner.client.get("/api/messaging").get_json()
    token = owner.form_token("/texts/settings")
    reply = owner.client.post("/texts/settings", headers=SPANISH, data=settings_form(
        csrf_token=token, owner_mobile="call me",
        **{"templates.es.missed_call": "Perdimos su llamada. {horario}"}))
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    mobile_error = re.search(r'<span class="field-error" id="err-owner_mobile">([^<]+)', html)
    assert mobile_error
    assert "+" in mobile_error.group(1)
    placeholder = re.search(
        r'<span class="field-error" id="err-templates-es-missed_call">([^<]+)', html)
    assert placeholder
    assert "{horario}" in unescape(placeholder.group(1))
    assert "{hours}" in unescape(placeholder.group(1))
    assert 'value="call me"' in html
    assert "Perdimos su llamada. {horario}</textarea>" in html
    assert owner.client.get("/api/messaging").get_json() == before


# -- callbacks and consent ----------------------------------------------------------------------

def ask_for_a_callback(office: Office) -> None:
    """A caller waits in a team nobody answers for, and presses the callback key."""
    office.change("teams", "sales", members=[])
    office.call("mobile", CALLER)
    office.press("mobile", "1")


def test_a_callback_is_listed_with_its_consent_and_cancelled(owner, seeded, history):
    ask_for_a_callback(seeded)
    [callback] = history.callbacks()
    assert callback["state"] == "waiting"
    words = text_of(page(owner, "/texts/"))
    listed = words[words.index("Callbacks to make"):words.index("Consent log")]
    assert f"1. {CALLER}" in listed
    assert "Sales" in listed
    assert "waiting" in listed
    assert "key press during a call" in listed
    assert "key 1" in listed
    log = words[words.index("Consent log"):]
    assert CALLER in log
    assert "agreed" in log

    token = owner.form_token("/texts/")
    reply = owner.client.post(f"/texts/callbacks/{callback['id']}/cancel",
                              data={"csrf_token": token}, follow_redirects=True)
    assert "Callback cancelled" in flashed(reply)
    assert history.callback(callback["id"])["state"] == "cancelled"
    words = text_of(reply.get_data(as_text=True))
    assert "No callbacks waiting." in words
    assert "Finished callbacks" in words
    assert "cancelled on this page" in words

    again = owner.client.post(f"/texts/callbacks/{callback['id']}/cancel",
                              data={"csrf_token": token}, headers=SPANISH,
                              follow_redirects=True)
    assert again.status_code == 200
    assert "Esta devolución de llamada ya ha terminado" in flashed(again)


def test_the_section_speaks_spanish(owner, seeded):
    ask_for_a_callback(seeded)
    html = page(owner, "/texts/", headers=SPANISH)
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert 'aria-current="page">Devoluciones de llamada y mensajes</a>' in nav
    words = text_of(html)
    assert "esperando" in words
    assert "pulsó una tecla durante una llamada" in words
    assert "Registro de consentimientos" in words
    conversations = text_of(page(owner, "/texts/conversations", headers=SPANISH))
    assert "No hay conversaciones abiertas." in conversations


# -- conversations ---------------------------------------------------------------------------

def open_conversation(office: Office, text: str = "¿Tienen cita el jueves?") -> str:
    office.change("teams", "sales", channels=["voice", "sms"])
    office.engine.post(SmsReceived("mobile", CALLER, text, office.clock.now().isoformat()))
    office.settle()
    [conversation] = office.app.api.texting.conversations()
    return conversation["id"]


def test_a_conversation_is_listed_answered_and_closed(owner, seeded):
    cid = open_conversation(seeded)
    words = text_of(page(owner, "/texts/conversations"))
    assert CALLER in words
    assert "¿Tienen cita el jueves?" in words
    assert "for Ana" in words

    token = owner.form_token("/texts/conversations")
    reply = owner.client.post(f"/texts/conversations/{cid}/reply",
                              data={"csrf_token": token, "text": "Sí, a las 10:00."})
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/texts/conversations#conv-{cid}")
    shown = owner.client.get(reply.headers["Location"])
    assert "Reply queued: it is sent as soon as the line is free." in flashed(shown)
    assert seeded.hw.lines["mobile"].sms_sent() == (CALLER, "Sí, a las 10:00.")  # it left
    seeded.settle()
    words = text_of(page(owner, "/texts/conversations"))
    assert re.search(r"Office · [^·]+ · sent Sí, a las 10:00\.", words)

    reply = owner.client.post(f"/texts/conversations/{cid}/close", data={"csrf_token": token},
                              follow_redirects=True)
    words = text_of(reply.get_data(as_text=True))
    assert "No open conversations." in words
    assert "closed by the owner" in words


def test_an_empty_reply_is_refused_beside_its_box_and_a_long_one_kept(owner, seeded):
    cid = open_conversation(seeded)
    token = owner.form_token("/texts/conversations")
    reply = owner.client.post(f"/texts/conversations/{cid}/reply",
                              data={"csrf_token": token, "text": "   "})
    assert reply.status_code == 400
    assert f'id="err-reply-{cid}"' in reply.get_data(as_text=True)
    too_long = "á" * 1601
    reply = owner.client.post(f"/texts/conversations/{cid}/reply",
                              data={"csrf_token": token, "text": too_long})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert f">{too_long}</textarea>" in html


# -- voicemail --------------------------------------------------------------------------------

def test_voicemail_is_listed_with_a_player_the_session_may_play(make_app, seeded, tmp_path):
    from .conftest import Browser

    history = seeded.app.history
    history.add_voicemail("vm1", "mobile", CALLER, seeded.clock.now().isoformat())
    history.set_voicemail_seconds("vm1", 12.0)
    with wave.open(str(tmp_path / "data" / "recordings" / "vm1.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    owner = Browser(make_app(simulated=True).test_client())
    assert owner.setup().status_code == 302
    html = page(owner, "/texts/voicemail")
    assert '<audio controls preload="none" src="/api/voicemail/vm1/download"' in html
    assert f"{CALLER} new" in text_of(html)
    played = owner.client.get("/api/voicemail/vm1/download")
    played.close()
    assert (played.status_code, played.mimetype) == (200, "audio/wav")
    token = owner.form_token("/texts/voicemail")
    owner.client.post("/texts/voicemail/vm1/heard", data={"csrf_token": token,
                                                         "heard": "yes"})
    assert history.voicemail("vm1")["heard"] is True
