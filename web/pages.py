"""The live page: what a newcomer watches while trying the demo.

The page is a shell; ``static/live.js`` listens to ``/api/events`` (``web.board``) and fills it
in, so the page and outside API clients see the same data. Simulation controls are rendered
only when the appliance runs on simulated hardware.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from .helpers import RECENT_CALLS
from .security import web_state

bp = Blueprint("pages", __name__)


# What live.js writes, in the page's language: handed over as a JSON block (no inline script).
# ``%(name)s`` placeholders are filled in by the script.
TEXTS = {
    "logged_out": _l("You are logged out."),
    "answered": _l("The appliance answered %(status)s."),
    "unreachable": _l("Could not reach the appliance: %(error)s"),
    "calling": _l("%(caller)s is calling %(line)s."),
    "pressed": _l("The caller on %(line)s pressed %(digit)s."),
    "caller_hung_up": _l("The caller on %(line)s hung up."),
    "set_available": _l("Set available"), "set_away": _l("Set away"),
    "presence_now": _l("%(agent)s is now %(presence)s."),
    "picked_up": _l("%(handset)s picked up."), "put_down": _l("%(handset)s put down."),
    "flashed": _l("%(handset)s flashed the hook."),
    "on_hold": _l("off hook; the caller is on hold"),
    "dialled": _l("%(handset)s dialled %(digits)s."),
    "off_hook": _l("off hook"), "on_hook": _l("on hook"), "no": _l("no"),
    "no_handset": _l("(no handset)"), "nobody": _l("(nobody)"), "listen": _l("listen"),
    "set_by": _l("(set by: %(source)s)"), "live": _l("live"),
    "disconnected": _l("Not connected to the box: this page is not updating. Reconnecting…"),
    "in_line": _l("no. %(position)s in line"),
    "for": _l("for"), "open_now": _l("Open now"), "close_now": _l("Close now"),
    "resume": _l("Back to the hours"),
    "opened": _l("%(name)s: open by hand."), "closed": _l("%(name)s: closed by hand."),
    "resumed": _l("%(name)s: the hours decide again."),
    "within": _l("Answered within %(seconds)s s"),
    "choose_date": _l("Choose a date and a time first."),
    "clock_set": _l("The schedules now see %(when)s."),
    "now_ringing": _l("%(handset)s is ringing."),
}
WORDS = {   # the states and outcomes the API reports
    "idle": _l("idle"), "ringing": _l("ringing"), "in_call": _l("in a call"),
    "offline": _l("offline"), "error": _l("not working"), "available": _l("available"),
    "away": _l("away"), "talking": _l("talking"), "wrap_up": _l("wrapping up"),
    "menu": _l("in the menu"), "queued": _l("waiting"), "offered": _l("ringing an agent"),
    "connected": _l("connected"), "forwarding": _l("being put through to the PBX"),
    "calling_back": _l("calling the customer back"),
    "message": _l("hearing a message"),
    "voicemail": _l("voicemail"), "answered": _l("answered"), "abandoned": _l("abandoned"),
    "closed": _l("closed"), "busy": _l("busy"), "failed": _l("failed"),
    "callback_requested": _l("callback requested"),
    "gsm": _l("SIM"), "analog": _l("phone line through an ATA"), "gpio": _l("analog handset"),
    "sip": _l("SIP phone"),
}


@bp.get("/")
def index() -> ResponseReturnValue:
    texts = {key: str(text) for key, text in TEXTS.items()} | \
        {"words": {key: str(text) for key, text in WORDS.items()}}
    return render_template("live.html", simulated=web_state().api.simulated,
                           recent_calls=RECENT_CALLS, texts=texts)
