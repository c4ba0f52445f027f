"""What every blueprint needs: the appliance's facade, the request's JSON body read safely,
the usual replies. In one module so that no blueprint imports another.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from appliance.api import ApplianceApi
from appliance.config.model import Config
from appliance.errors import NotFound, Text, ValidationError
from appliance.records import stats
from appliance.records.listing import CallQuery

from .i18n import translated
from .security import web_state

if TYPE_CHECKING:
    from appliance.media.audio_library import AudioLibrary

LIBRARY_KEY = "switchboard.audio"
OFFICE_NAME = "office_name"    # the setting the setup guide fills and every page heads with
SERVICE_LEVEL = "service_level_s"   # the setting: answered within this many seconds is on time
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 .]*$")
MULTIPART_SLACK = 64 * 1024   # boundaries, headers and the small text fields around the file
MIB = 1024 * 1024
MAX_LIMIT = 1000             # as the facade's listings (appliance.api)
DEFAULT_CALLS_LIMIT = 50
RECENT_CALLS = 10       # the finished calls the live board lists
MAX_JSON_DEPTH = 16     # the deepest resource (a menu option's target) is 3 levels down


def appliance() -> ApplianceApi:
    return web_state().api


class Editing:
    """The configuration pages' facade while a draft is open (the changes page starts one):
    what they read and save is the draft, and callers keep the live configuration until it
    is published. Everything else (the time, the status, hours now) is the live box. Draft
    edits are not in the log of changes: publishing is, as a version saying who."""

    def __init__(self, api: ApplianceApi) -> None:
        self._api, self._admin = api, api.admin

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def config(self) -> Config:
        return self._admin.draft_config()

    def list(self, kind: str) -> list[dict[str, Any]]:
        return self._admin.draft_list(kind)

    def get(self, kind: str, rid: str) -> dict[str, Any]:
        return self._admin.draft_get(kind, rid)

    def create(self, kind: str, doc: Any, *, who: str) -> dict[str, Any]:
        return self._admin.draft_create(kind, doc)

    def update(self, kind: str, rid: str, doc: Any, *, who: str) -> dict[str, Any]:
        return self._admin.draft_update(kind, rid, doc)

    def delete(self, kind: str, rid: str, *, who: str) -> None:
        self._admin.draft_delete(kind, rid)


def editing() -> Any:
    """What the configuration pages read and save: the draft while one is open, else live."""
    api = appliance()
    return Editing(api) if api.admin.has_draft() else api


def simulation(line: str, at: datetime, digits: str, config: str | None, *,
               translate: bool) -> dict[str, Any]:
    """A call walked through without placing it (``Admin.simulate``), as the live box would
    take it: its agents' presence, the hours set by hand, the audio by the owner's names."""
    api = appliance()
    presence = {agent["id"]: agent["presence"] for agent in api.status()["agents"]}
    found = api.admin.simulate(line, at, digits, config=config, presence=presence,
                               audio_names=dict(audio_choices()), overrides=api.overrides())
    if translate:
        for step in found["steps"]:
            step["text"] = translated(step["text"])
    return found


def names(*kinds: str) -> dict[str, str]:
    """Ids of these kinds of resource to the names the owner gave them (for lists of calls
    and figures, which store ids)."""
    api = appliance()
    return {item["id"]: item["name"] for kind in kinds for item in api.list(kind)}


def audio_library() -> AudioLibrary:
    """The owner's uploads (kept on the app by ``web.audio.install``); only real hardware and
    the demo have one."""
    library = current_app.extensions.get(LIBRARY_KEY)
    if library is None:
        raise NotFound("The audio library is not configured on this appliance (it has no real "
                       "audio devices, e.g. in the demo), so audio cannot be uploaded here.")
    return library


def accept_upload_body() -> None:
    """For an upload route: receive up to the library's limit (plus the multipart framing)
    instead of the app's 1 MB, and refuse a body declared larger before reading it."""
    library = audio_library()
    limit = library.max_bytes + MULTIPART_SLACK
    if request.content_length is not None and request.content_length > limit:
        raise upload_too_large(library)
    request.max_content_length = limit


def upload_too_large(library: AudioLibrary) -> ValidationError:
    mb = library.max_bytes / MIB
    return UploadTooLarge({"file": Text("Over %(mb)g MB: upload a shorter or more compressed "
                                        "file (MP3 or OGG).", mb=mb)},
                          Text("The upload is larger than %(mb)g MB.", mb=mb))


def audio_users(audio_id: str) -> list[dict[str, Any]]:
    """Who plays this audio: teams (hold audio), menus (prompt) and lines (greeting), live and
    in the draft (``"draft": true``): publishing a draft that names deleted audio would fail."""
    api = appliance()
    users = _users_in(api.config(), audio_id, draft=False)
    if api.admin.has_draft():
        users += [u for u in _users_in(api.admin.draft_config(), audio_id, draft=True)
                  if u | {"draft": False} not in users]
    return users


def _users_in(cfg: Any, audio_id: str, *, draft: bool) -> list[dict[str, Any]]:
    users = [{"kind": "team", "id": t.id, "name": t.name, "as": "hold audio"}
             for t in cfg.teams.values() if t.hold_audio == audio_id]
    users += [{"kind": "menu", "id": m.id, "name": m.name, "as": "prompt"}
              for m in cfg.menus.values() if m.prompt.audio == audio_id]
    users += [{"kind": "line", "id": ln.id, "name": ln.name, "as": "greeting"}
              for ln in cfg.lines.values() if ln.greeting is not None
              and ln.greeting.audio == audio_id]
    return [u | {"draft": draft} for u in users]


class UploadTooLarge(ValidationError):
    status = 413


def audio_choices() -> list[tuple[str, str]]:
    """(id, name) of each upload, for a picker; none without a library."""
    library = current_app.extensions.get(LIBRARY_KEY)
    return [] if library is None else [(item.id, item.name) for item in library.list()]


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what to send (wrong type, bad JSON, array,
    nesting deeper than any resource has, text that is not Unicode)."""
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError({}, "Send a JSON object.")
    problem = unsafe_json(data)
    if problem is not None:
        raise ValidationError({problem[0]: problem[1]})
    return data


def optional_json_body() -> dict[str, Any]:
    """The JSON object of a request whose body may be left out (then: ``{}``)."""
    return json_body() if request.content_length else {}


def unsafe_json(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(field, why) for what no resource can hold: deep nesting, lone surrogates (JSON allows
    ``"\\ud800"``; no file can store it)."""
    if depth > MAX_JSON_DEPTH:
        return path or "_", f"Nested deeper than {MAX_JSON_DEPTH} levels."
    if isinstance(value, str):
        return None if _unicode(value) else (path or "_", "Not valid Unicode text.")
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        name = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and not _unicode(key):
            return path or "_", "A key is not valid Unicode text."
        if (problem := unsafe_json(item, name, depth + 1)) is not None:
            return problem
    return None


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def accepted() -> ResponseReturnValue:
    """Reply for commands handed to the core: it acts on them asynchronously."""
    return jsonify({"ok": True}), 202


def service_level_s() -> int:
    """The owner's threshold for "answered in time" (the figures page saves it)."""
    return appliance().admin.setting(SERVICE_LEVEL) or stats.DEFAULT_SERVICE_LEVEL_S


def office_tz() -> str:
    """The office's time zone (the first schedule's): "today" and a date mean its day; UTC
    when there is no schedule."""
    schedules = appliance().list("schedules")
    return next((s["timezone"] for s in schedules if s.get("timezone")), "UTC")


def date_arg(name: str, fields: dict[str, str]) -> date | None:
    """``?<name>=YYYY-MM-DD`` or None when absent; a bad one is noted in ``fields``."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fields[name] = f"'{raw}' is not a date; use YYYY-MM-DD."
        return None


def whole_arg(name: str, default: int) -> int:
    raw = request.args.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: f"Must be a whole number, e.g. ?{name}=50."}) from None


def call_query() -> CallQuery:
    """The history filters of the query string (``from``/``to`` are the office's whole days);
    one 400 naming every bad one."""
    fields: dict[str, str] = {}
    start, end = date_arg("from", fields), date_arg("to", fields)
    if fields:
        raise ValidationError(fields)
    tz = ZoneInfo(office_tz())
    return CallQuery(
        start=datetime.combine(start, time(), tz).timestamp() if start else None,
        end=datetime.combine(end + timedelta(days=1), time(), tz).timestamp() if end else None,
        **{name: request.args.get(name) or None
           for name in ("line", "team", "agent", "outcome", "caller")})


def csv_lines(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A CSV, line by line. A text starting with = + - @ that is not simply a number gets a
    leading apostrophe, so a spreadsheet never runs it as a formula (a caller "number" is text
    someone else chose); +34 600 111 222 stays as it is."""
    out = io.StringIO()
    writer = csv.writer(out)
    records = ([row.get(c) for c in columns] for row in rows)
    for values in itertools.chain([list(columns)], records):   # one row in memory at a time
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@"
                         and not PLAIN_NUMBER.match(v) else v for v in values])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def limit_arg() -> int:
    """``?limit=``, the same rule on every listing: a whole number from 1 to 1000."""
    raw = request.args.get("limit", str(DEFAULT_CALLS_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise ValidationError({"limit": "Must be a whole number, e.g. ?limit=10."}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError({"limit": "Must be between 1 and 1000."})
    return limit
