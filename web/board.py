"""The live board's feed: ``GET /api/events``, a server-sent event stream.

The page opens one stream and never polls. Each time the core says something on the board
changed (``ApplianceApi.wait_for_change``) the stream sends the whole board as one ``board``
event, if it differs from the last one sent: a small office's board is a few kilobytes, and a
whole document keeps the page free of merge logic. Nothing changing means nothing sent but a
comment every ``KEEPALIVE_S`` (proxies and waitress close silent connections), and the stream
also wakes when a schedule opens or closes, which no event announces.

Each stream holds one of waitress's threads, so only ``MAX_STREAMS`` may be open at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from appliance.api import ApplianceApi
from appliance.errors import ApplianceError, Text, Unavailable
from appliance.policy.schedule import ScheduleReason

from .helpers import (
    LIBRARY_KEY,
    RECENT_CALLS,
    appliance,
    office_tz,
    service_level_s,
)
from .i18n import translated
from .layout import when_next
from .security import guard

bp = Blueprint("board", __name__)

KEEPALIVE_S = 15.0
RETRY_MS = 2000          # how soon the browser reconnects after the stream broke
MAX_STREAMS = 6
WAITING = ("queued", "offered")
TONES = {"tone:hold": _l("a soft waiting tone"), "tone:beep": _l("the beep before a message")}
STREAMS_KEY = "switchboard.streams"


def install(app: Any) -> None:
    app.extensions[STREAMS_KEY] = threading.BoundedSemaphore(MAX_STREAMS)
    app.register_blueprint(bp)


def drain(app: Any, timeout: float = 2.0) -> bool:
    """Wait until every stream has ended (after ``ApplianceApi.end_streams``), so the server
    closes with no request still running; False if some did not end in time."""
    slots: threading.BoundedSemaphore = app.extensions[STREAMS_KEY]
    deadline = time.monotonic() + timeout
    taken = 0
    while taken < MAX_STREAMS and slots.acquire(timeout=max(deadline - time.monotonic(), 0)):
        taken += 1
    for _slot in range(taken):
        slots.release()
    return taken == MAX_STREAMS


@bp.get("/api/events")
def events() -> ResponseReturnValue:
    slots: threading.BoundedSemaphore = current_app.extensions[STREAMS_KEY]
    if not slots.acquire(blocking=False):
        raise Unavailable(Text("%(count)d live boards are open already; close one and try "
                               "again.", count=MAX_STREAMS))
    app, environ = current_app._get_current_object(), request.environ  # type: ignore[attr-defined]

    def render() -> dict[str, Any] | None:
        """The board in this request's language, or None once the request would be refused
        (logged out, a new password, the key revoked, the session too old): an open stream
        must not outlive its login. The request's context is entered only while rendering,
        never across a ``yield``: streams in one thread must not interleave it."""
        with app.request_context(environ):
            return None if guard() is not None else board(appliance())

    response = Response(_feed(appliance(), render), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    response.call_on_close(_once(slots.release))    # also when the stream never started
    return response


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """``action`` on the first call only (a response may be closed twice)."""
    done = threading.Lock()

    def run() -> None:
        if done.acquire(blocking=False):
            action()

    return run


def _feed(api: ApplianceApi, render: Callable[[], dict[str, Any] | None]) -> Iterator[str]:
    """Board documents as they change, until the browser leaves or the box stops."""
    yield f"retry: {RETRY_MS}\n\n"
    seen, last = api.board_version(), None
    woke = True
    while (doc := render()) is not None:
        shown = json.dumps({k: v for k, v in doc.items() if k != "time"}, sort_keys=True)
        if shown != last:
            last = shown
            yield f"event: board\ndata: {json.dumps(doc, separators=(',', ':'))}\n\n"
        elif not woke:
            yield ": keep-alive\n\n"
        version = api.wait_for_change(seen, _timeout(doc, api.now()))
        if version is None:
            return
        woke, seen = version != seen, version


def _timeout(doc: dict[str, Any], now: datetime) -> float:
    """Until the keep-alive is due or the next schedule opens or closes, whichever is first."""
    changes = [datetime.fromisoformat(h["changes_at"]) for h in doc["hours"] if h["changes_at"]]
    soonest = min([(c - now).total_seconds() + 0.5 for c in changes] + [KEEPALIVE_S])
    return max(soonest, 0.5)


def board(api: ApplianceApi) -> dict[str, Any]:
    """Everything the live board shows, in the page's language."""
    status = api.status()
    status["warnings"] = [translated(w) for w in status["warnings"]]
    for kind in ("lines", "stations"):
        status[kind] = [x | {"reason": translated(x["reason"])} for x in status[kind]]
    agents = {agent["id"]: agent["name"] for agent in status["agents"]}
    status["calls"] = [call | {"position": _position(call, status["calls"]),
                               "hearing_text": _hearing(call, agents)}
                       for call in status["calls"]]
    tz = ZoneInfo(office_tz())
    today = api.now().astimezone(tz).date()
    threshold = service_level_s()
    return status | {
        "hours": _hours(api),
        "recent": api.calls(limit=RECENT_CALLS),
        "today": api.admin.stats_total(today, today, tz=tz, service_level_s=threshold)
        | {"service_level_s": threshold},
        "heard": api.sim.heard() if api.simulated else [],
    }


def _position(call: dict[str, Any], calls: list[dict[str, Any]]) -> int | None:
    """1 for the caller waiting longest in the team's queue (the calls come oldest first)."""
    if call["state"] not in WAITING:
        return None
    ahead = [c for c in calls if c["team"] == call["team"] and c["state"] in WAITING]
    return [c["id"] for c in ahead].index(call["id"]) + 1


def _hearing(call: dict[str, Any], agents: dict[str, str]) -> str:
    """What the caller hears now, in words: the sentence said, the upload, a tone..."""
    label = call.get("hearing") or ""
    if label.startswith("say:"):
        return "«" + label.removeprefix("say:") + "»"
    if label.startswith("file:"):
        return _("the audio “%(name)s”", name=_audio_name(label.removeprefix("file:")))
    if label in TONES:
        return str(TONES[label])
    if label == "agent":
        return _("talking with %(agent)s", agent=agents.get(call["agent"] or "", "—"))
    if label == "recording":
        return _("leaving a message (the box records)")
    if label == "pbx":
        return _("talking with the office's PBX")
    return _("silence")


def _audio_name(audio_id: str) -> str:
    library = current_app.extensions.get(LIBRARY_KEY)
    try:
        return library.get(audio_id).name if library is not None else audio_id
    except ApplianceError:      # deleted while a caller hears it
        return audio_id


def _hours(api: ApplianceApi) -> list[dict[str, Any]]:
    now, schedules = api.now(), api.config().schedules
    rows = []
    for sid, state in api.hours_now().items():
        rows.append({"id": sid, "name": schedules[sid].name, "open": state.open,
                     "by_hand": state.reason is ScheduleReason.OVERRIDE,
                     "sentence": _hours_sentence(state, now),
                     "changes_at": state.changes_at.isoformat() if state.changes_at else None})
    return rows


def _hours_sentence(state: Any, now: datetime) -> str:
    when = when_next(state.changes_at, now) if state.changes_at else None
    if state.reason is ScheduleReason.OVERRIDE:
        return (_("Open by hand until %(when)s; then the hours apply.", when=when) if state.open
                else _("Closed by hand until %(when)s; then the hours apply.", when=when))
    if state.open:
        return _("Open now; closes %(when)s.", when=when) if when else _("Open now.")
    closed = (_("Closed now (%(holiday)s).", holiday=state.detail) if state.detail
              else _("Closed now."))
    return closed + (" " + _("Opens %(when)s.", when=when) if when else "")
