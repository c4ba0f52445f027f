"""What every page shares: the menu of sections, the names of states, dates and times.

The menu's order is the owner's day: what is happening now, then the office's set-up from
the outside in (lines, hours, menus, teams, people), then sounds and the box itself. Dates
and times are written in the page's language on the office's own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.numbers import format_decimal
from flask import Flask, g, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .helpers import OFFICE_NAME, office_tz
from .security import web_state


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: LazyString
    also: tuple[str, ...] = ()     # other blueprints whose pages are in this section


SECTIONS = (
    Section("pages.index", _l("Live")),
    Section("lines.index", _l("Lines")),
    Section("hours.index", _l("Hours")),
    Section("menus.index", _l("Menus")),
    Section("teams.index", _l("Teams")),
    Section("people.index", _l("Agents and handsets")),
    Section("sounds.index", _l("Audio")),
    Section("changes.index", _l("Try and publish")),
    Section("figures.index", _l("Figures")),
    Section("history.index", _l("History")),
    Section("texts.index", _l("Callbacks and texts"), also=("sms_pages",)),
    Section("settings.index", _l("Settings")),
    Section("welcome.guide", _l("Setup guide")),
)
KIND_NAMES = {"teams": _l("team"), "agents": _l("agent"), "stations": _l("handset"),
              "lines": _l("line"), "schedules": _l("hours"), "menus": _l("menu")}
WHO = {"the owner": _l("the owner"), "the box": _l("the box"),
       "the start-up API key": _l("the start-up API key")}
LINE_STATES = {"idle": _l("Working, free"), "ringing": _l("Ringing"), "in_call": _l("On a call"),
               "offline": _l("Not working"), "error": _l("Not working")}
OUTCOMES = {"answered": _l("answered"), "abandoned": _l("abandoned"), "closed": _l("closed"),
            "message": _l("heard a message"), "voicemail": _l("voicemail"), "busy": _l("busy"),
            "failed": _l("failed"), "callback_requested": _l("callback requested")}
PRESENCE = {"available": _l("Available"), "away": _l("Away"), "offline": _l("Offline")}
CALLBACK_STATES = {"waiting": _l("waiting"), "ringing": _l("an agent's phone rings"),
                   "calling": _l("calling"), "done": _l("done"), "failed": _l("failed"),
                   "cancelled": _l("cancelled")}


def current_section() -> str | None:
    """The section the request is in: its blueprint's first page."""
    blueprint = request.blueprints[0] if request.blueprints else None
    return next((s.endpoint for s in SECTIONS
                 if blueprint in (s.endpoint.split(".")[0], *s.also)), None)


def local_datetime(moment: datetime, style: str = "full") -> str:
    """A moment in the page's language, on its own clock (the office's zone, not the
    browser's nor UTC): the box and the schedules speak in local time."""
    return format_datetime(moment, style, tzinfo=moment.tzinfo, locale=get_locale())


def office_time(moment: str | datetime | None) -> str:
    """A moment the history keeps (ISO text, often in UTC) on the office's clock, in the
    page's language and short ("sáb, 5 dic 11:00"); empty for none."""
    if not moment:
        return ""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if "office_zone" not in g:
        g.office_zone = ZoneInfo(office_tz())
    when = when.astimezone(g.office_zone)
    return (f"{format_skeleton('MMMEd', when, locale=get_locale())} "
            f"{format_time(when, 'short', tzinfo=when.tzinfo, locale=get_locale())}")


def number(value: float, digits: int = 1) -> str:
    """A number as the page's language writes it (1,5 in Spanish, 1.5 in English)."""
    return format_decimal(round(value, digits), locale=get_locale())


def when_next(moment: datetime, now: datetime) -> str:
    """"today at 18:00", "tomorrow at 09:00", "on Monday, 7 December at 09:00"."""
    clock = format_time(moment, "short", tzinfo=moment.tzinfo, locale=get_locale())
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days
    if days == 0:
        return _("today at %(time)s", time=clock)
    if days == 1:
        return _("tomorrow at %(time)s", time=clock)
    day = format_date(moment, "EEEE d MMMM", locale=get_locale())
    return _("on %(day)s at %(time)s", day=day, time=clock)


def presence_name(value: str) -> str:
    return str(PRESENCE.get(value, value))


def outcome_name(value: str) -> str:
    return str(OUTCOMES.get(value, value))


def line_state_name(value: str) -> str:
    return str(LINE_STATES.get(value, value))


def callback_state_name(value: str) -> str:
    return str(CALLBACK_STATES.get(value, value))


def office_name() -> str:
    """The name the owner gave the office (the setup guide), shown at the top of each page."""
    return web_state().api.admin.setting(OFFICE_NAME) or ""


def who_name(who: str) -> str:
    """Who changed something, in the page's language (an API key by its name)."""
    if who.startswith("API key '"):
        return _("API key “%(name)s”", name=who[len("API key '"):-1])
    return str(WHO.get(who, who))


def draft_open() -> bool:
    """While a draft is open, every page says so: saving edits the draft, not what callers get."""
    return web_state().api.admin.has_draft()


def install(app: Flask) -> None:
    app.add_template_global(SECTIONS, "sections")
    app.add_template_global(current_section)
    app.add_template_global(presence_name)
    app.add_template_global(line_state_name)
    app.add_template_global(outcome_name)
    app.add_template_global(callback_state_name)
    app.add_template_global(office_name)
    app.add_template_global(draft_open)
    app.add_template_filter(who_name)
    app.add_template_filter(local_datetime)
    app.add_template_filter(when_next)
    app.add_template_filter(number)
    app.add_template_filter(office_time)
