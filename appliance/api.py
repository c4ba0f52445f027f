"""What the web layer may call: one facade over the store, the core's snapshot and history.

The web app receives an ``ApplianceApi`` and nothing else, so it never touches drivers or core
state directly (design: "the web app reads the latest snapshot and sends commands").
Every method returns plain JSON-ready values or raises an ``ApplianceError``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from appliance.admin import Admin
from appliance.config.model import Config, Presence
from appliance.errors import Conflict, NotFound, Text, Unavailable, ValidationError
from appliance.policy.menus import menu_warnings
from appliance.policy.schedule import HoursNow, Override, holidays_in, hours_now
from appliance.records import listing
from appliance.records.history import HistoryError
from appliance.records.listing import CallQuery
from appliance.texting import TextingApi
from hardware.interfaces import BadInput, NoSuchDevice, OutOfService


class Simulation(Protocol):
    """Buttons for simulated hardware (only present in ``switchboard demo`` and tests)."""

    def incoming(self, line_id: str, caller: str) -> None: ...
    def dtmf(self, line_id: str, digits: str) -> None: ...
    def hangup(self, line_id: str) -> None: ...
    def sms(self, line_id: str, sender: str, text: str) -> None: ...
    def offhook(self, station_id: str) -> None: ...
    def onhook(self, station_id: str) -> None: ...
    def flash(self, station_id: str) -> None: ...
    def dial(self, station_id: str, digits: str) -> None: ...
    def set_clock(self, now: datetime) -> None: ...
    def heard(self) -> list[dict[str, str]]: ...
    def heard_file(self, name: str) -> Path: ...


BOX = "the box"      # who changed the configuration when no person or key is named
OVERRIDES = "hours_overrides"      # the setting: schedule id -> {"open", "until", "who"}
LONGEST_OVERRIDE = timedelta(days=31)
log = logging.getLogger(__name__)


class ApplianceApi:
    def __init__(self, store: Any, engine: Any, history: Any,
                 simulation: Simulation | None = None, *, recordings: Path | None = None,
                 restored: str | None = None) -> None:
        self._store = store
        self._engine = engine
        self._history = history
        self.recordings = recordings
        self._simulation = simulation
        self.admin = Admin(store, history, restored=restored)
        self.texting = TextingApi(store, engine, history)

    # -- for the web's plumbing ------------------------------------------------------------------

    def config(self) -> Config:
        """The live configuration (what the core runs on)."""
        return self._store.config()

    def core_answers(self, timeout: float) -> bool:
        """Whether the core thread handles a request within ``timeout`` (for /healthz)."""
        try:
            self._engine.on_core(lambda core: core.handled, timeout=timeout)
        except Unavailable:
            return False
        return True

    def watch_schedules(self, library: Any) -> None:
        """Let the audio library flag uploads as stale when their schedule's hours change."""
        library.follow_schedules(self._store)

    # -- live state ---------------------------------------------------------------------------

    def wired(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Line and handset ids the installer wired (none on simulated hardware)."""
        return self._engine.hardware.wired()

    def menu_warnings(self, menu_id: str) -> list[str]:
        """Risky shapes of the menu tree starting here (too many options, too deep...)."""
        return menu_warnings(self._store.config(), menu_id)

    def holidays_of(self, schedule_id: str, year: int) -> list[tuple[date, str]]:
        """The public holidays a schedule closes on in ``year`` (none without a region)."""
        schedule = self._store.config().schedules.get(schedule_id)
        if schedule is None or schedule.holidays is None:
            return []
        return holidays_in(schedule.holidays, year)

    def now(self) -> datetime:
        """The time the schedules see (the simulated clock in the demo)."""
        return self._engine.clock.now()

    def hours_now(self) -> dict[str, HoursNow]:
        """For each schedule: open or closed now, why, and when that changes next."""
        now, config, overrides = self.now(), self._store.config(), self.overrides()
        return {sid: hours_now(schedule, now, overrides.get(sid))
                for sid, schedule in config.schedules.items()}

    def overrides(self) -> dict[str, Override]:
        """The hours set open or closed by hand (some may have expired: they no longer act)."""
        found = {}
        for sid, doc in (self.admin.setting(OVERRIDES) or {}).items():
            try:
                since = datetime.fromisoformat(doc["since"]) if doc.get("since") else None
                found[sid] = Override(bool(doc["open"]), datetime.fromisoformat(doc["until"]),
                                      since)
            except (KeyError, TypeError, ValueError):
                log.warning("ignoring a damaged override of schedule %s: %r", sid, doc)
        return found

    def set_override(self, schedule_id: str, doc: Any, *, who: str = BOX) -> dict[str, Any]:
        """"Closed now" or "open now" until ``doc["until"]``; then the hours decide again."""
        schedule = self.get("schedules", schedule_id)
        now = self.now()
        override = _override(doc, now)
        kept = {sid: d for sid, d in (self.admin.setting(OVERRIDES) or {}).items()
                if sid in self._store.config().schedules and sid != schedule_id}
        saved = {"open": override.open, "until": override.until.isoformat(),
                 "since": now.isoformat(), "who": who}
        self.admin.set_setting(OVERRIDES, kept | {schedule_id: saved})
        self._engine.set_override(schedule_id, override)
        self._logged(who, "opened" if override.open else "closed", "schedules", schedule)
        return {"schedule": schedule_id} | saved

    def clear_override(self, schedule_id: str, *, who: str = BOX) -> None:
        """Let the hours decide again."""
        schedule = self.get("schedules", schedule_id)
        saved = dict(self.admin.setting(OVERRIDES) or {})
        if saved.pop(schedule_id, None) is not None:
            self.admin.set_setting(OVERRIDES, saved)
            self._logged(who, "resumed", "schedules", schedule)
        self._engine.set_override(schedule_id, None)

    def status(self) -> dict[str, Any]:
        """The contract's /api/status document from the core's latest immutable snapshot,
        plus ``warnings``: configuration a person should look at."""
        return self._engine.snapshot().to_dict() | {"warnings": self.warnings()}

    def board_version(self) -> int:
        """Moves on whenever what the live board shows changed (see ``wait_for_change``)."""
        return self._engine.changes.version

    def wait_for_change(self, seen: int, timeout: float) -> int | None:
        """Sleep until the board version differs from ``seen`` or ``timeout`` passes; the
        version then, or None when the box is stopping (an event stream should end)."""
        return self._engine.changes.wait(seen, timeout)

    def end_streams(self) -> None:
        """The box is stopping: every ``wait_for_change`` returns None from now on."""
        self._engine.changes.close()

    def warnings(self) -> list[str]:
        """Things that work but not as the owner would want: no hold audio, long menus..."""
        config = self._store.config()
        found = [Text("Team '%(team)s' has no hold audio: waiting callers hear a soft tone. "
                      "Upload the office's own audio and choose it for the team.", team=t.name)
                 for t in config.teams.values() if t.hold_audio is None]
        for menu_id in config.menus:
            found += menu_warnings(config, menu_id)
        found += self._unset_wiring(config)
        if failures := self._engine.failures:
            found.append(Text("The switchboard hit an internal error %(count)d time(s) since it "
                              "started; the calls involved were ended and recorded as failed. "
                              "The system log has the details (journalctl -u switchboard).",
                              count=failures))
        return ([self._store.recovered] if self._store.recovered else []) + found

    def _unset_wiring(self, config: Config) -> list[Text]:
        """Ids the settings file wires that the page has no line or station for: a modem whose
        calls nobody answers, a handset that never rings. The setup guide creates them."""
        lines, stations = self.wired()
        return [Text("The settings file wires line '%(id)s', but no line on the Lines page has "
                     "that id, so its calls are not answered. The setup guide adds it; or add "
                     "a line with the id '%(id)s'.", id=rid)
                for rid in lines if rid not in config.lines] + \
               [Text("The settings file wires the handset or phone '%(id)s', but no handset on "
                     "the Agents and handsets page has that id, so it never rings. The setup "
                     "guide adds it; or add a handset with the id '%(id)s'.", id=rid)
                for rid in stations if rid not in config.stations]

    def calls(self, limit: int = 50, offset: int = 0,
              query: CallQuery | None = None) -> list[dict[str, Any]]:
        """Finished calls, newest first; ``query`` narrows them, ``offset`` pages through."""
        if offset < 0:
            raise ValidationError({"offset": Text("Must be zero or more.")})
        return listing.find(self._history, query or CallQuery(), _limit(limit), offset)

    def call(self, call_id: str) -> dict[str, Any]:
        """One finished call and what happened in it, step by step; voicemail if one was left."""
        found = listing.one(self._history, call_id)
        if found is None:
            raise NotFound(Text("No call with id '%(id)s'.", id=call_id))
        return found | {"voicemail": self._history.voicemail(call_id)}

    def calls_export(self, query: CallQuery) -> Iterator[dict[str, Any]]:
        """Every matching call, newest first, read in batches (for a CSV of any length)."""
        return listing.every(self._history, query)

    def sms(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._history.recent_sms(_limit(limit))

    def consents(self, limit: int = 100, number: str | None = None) -> list[dict[str, Any]]:
        """Who agreed to be called back (or took it back), newest first: the proof rule 4
        asks for."""
        return self._history.consents(_limit(limit), number)

    # -- voicemail ----------------------------------------------------------------------------

    def voicemails(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._history.voicemails(_limit(limit))

    def voicemail_file(self, vid: str) -> Path:
        """The WAV of a message (404 when unknown or when the recording is missing)."""
        self._voicemail(vid)
        path = (self.recordings or Path("/nonexistent")) / f"{vid}.wav"
        if not path.is_file():
            raise NotFound("The recording of this message is missing.")
        return path

    def mark_heard(self, vid: str, heard: bool = True) -> dict[str, Any]:
        if not self._history.mark_voicemail_heard(vid, heard):
            raise NotFound(f"No voicemail '{vid}'.")
        return self._voicemail(vid)

    def delete_voicemail(self, vid: str) -> None:
        if not self._history.delete_voicemail(vid):
            raise NotFound(f"No voicemail '{vid}'.")
        if self.recordings is not None:
            (self.recordings / f"{vid}.wav").unlink(missing_ok=True)

    def _voicemail(self, vid: str) -> dict[str, Any]:
        found = self._history.voicemail(vid)
        if found is None:
            raise NotFound(f"No voicemail '{vid}'.")
        return found

    # -- configuration ------------------------------------------------------------------------

    def list(self, kind: str) -> list[dict[str, Any]]:
        return self._store.list(kind)

    def get(self, kind: str, rid: str) -> dict[str, Any]:
        return self._store.get(kind, rid)

    def create(self, kind: str, doc: Any, *, who: str = BOX) -> dict[str, Any]:
        return self._logged(who, "created", kind, self._store.create(kind, doc))

    def update(self, kind: str, rid: str, doc: Any, *, who: str = BOX) -> dict[str, Any]:
        """Replace the whole resource (``PUT``)."""
        return self._logged(who, "changed", kind, self._store.update(kind, rid, doc))

    def patch(self, kind: str, rid: str, patch: Any, *, who: str = BOX) -> dict[str, Any]:
        """Change what ``patch`` names, as a JSON Merge Patch (``PATCH``)."""
        return self._logged(who, "changed", kind, self._store.patch(kind, rid, patch))

    def delete(self, kind: str, rid: str, *, who: str = BOX) -> None:
        name = self._store.get(kind, rid).get("name", rid)
        self._store.delete(kind, rid)
        self._logged(who, "deleted", kind, {"id": rid, "name": name})

    def changes(self, limit: int = 50) -> list[dict[str, Any]]:
        """The log of configuration changes, newest first: when, who, what."""
        return self._history.recent_changes(_limit(limit))

    def _logged(self, who: str, action: str, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Note a stored change; a history that cannot be written is logged, never fails it."""
        try:
            self._history.append_change(self.now().isoformat(timespec="seconds"), who, action,
                                        kind, doc["id"], str(doc.get("name", doc["id"])))
        except HistoryError:
            log.exception("could not log a configuration change")
        return doc

    def set_presence(self, agent_id: str, presence: Any) -> dict[str, Any]:
        try:
            value = Presence(presence)
        except ValueError:
            raise ValidationError(
                {"presence": "Must be one of: available, away, offline."}) from None
        return self._store.set_presence(agent_id, value)

    # -- simulation ---------------------------------------------------------------------------

    @property
    def simulated(self) -> bool:
        return self._simulation is not None

    @property
    def sim(self) -> Simulation:
        if self._simulation is None:
            raise NotFound("Simulation is only available in 'switchboard demo'.")
        return cast(Simulation, _Translated(self._simulation))


class _Translated:
    """The simulated hardware, its errors turned into the API's (hardware knows nothing of
    them): an unknown device is 404, bad input 400, a device that cannot now 409."""

    def __init__(self, simulation: Simulation) -> None:
        self._simulation = simulation

    def __getattr__(self, name: str) -> Any:
        action = getattr(self._simulation, name)

        @functools.wraps(action)
        def translated(*args: Any, **kwargs: Any) -> Any:
            try:
                return action(*args, **kwargs)
            except NoSuchDevice as exc:
                raise NotFound(str(exc)) from exc
            except BadInput as exc:
                raise ValidationError({exc.field: str(exc)}) from exc
            except OutOfService as exc:
                raise Conflict(str(exc)) from exc
        return translated


def _override(doc: Any, now: datetime) -> Override:
    """``{"open": bool, "until": ISO-8601 with its offset}``, ending within a month."""
    if not isinstance(doc, dict):
        raise ValidationError({}, Text("Send a JSON object."))
    errors = {}
    if not isinstance(doc.get("open"), bool):
        errors["open"] = Text("true (open now) or false (closed now).")
    try:
        until = datetime.fromisoformat(doc.get("until"))
    except (TypeError, ValueError):
        until = None
    if until is None or until.tzinfo is None:
        errors["until"] = Text("A date and time with its offset, such as "
                               "2026-12-05T14:00:00+01:00.")
    elif not now < until <= now + LONGEST_OVERRIDE:
        errors["until"] = Text("Must be later than now and within 31 days.")
    if errors:
        raise ValidationError(errors)
    return Override(doc["open"], until, now)


def _limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise ValidationError({"limit": "Must be between 1 and 1000."})
    return limit
