"""Opening hours on the page: the schedules, open or closed now, and a form for each.

The form is a weekly grid (several intervals a day, overnight ones too), the holiday region
with this year's list, closed dates, special days and what callers hear when closed. It is
turned into the API's document (``schedule_doc``) and saved whole through the facade, so the
page and the API share one validation; a refused form comes back with each error beside its
field and everything typed kept.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from functools import cache
from typing import Any

from babel import Locale
from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from appliance.config.model import WEEKDAYS

from . import forms
from .forms import listed
from .helpers import editing

bp = Blueprint("hours", __name__, url_prefix="/hours")

DAY_END_API, DAY_END_FORM = "24:00", "00:00"   # a time input cannot show 24:00
SPARE_ROWS = 1          # empty rows offered under what is set, for one more interval / date
COUNTRIES = ("ES", "PT", "FR", "DE", "IT", "GB", "IE", "US", "MX", "AR", "CL", "CO", "PE", "UY",
             "PY", "BO", "EC", "VE", "CR", "PA", "DO", "GT", "HN", "SV", "NI", "CU", "PR", "BR")
NEW_SCHEDULE = {"name": "", "timezone": "Europe/Madrid",
                "weekly": {d: [["09:00", "18:00"]] if d not in ("sat", "sun") else []
                           for d in WEEKDAYS},
                "holidays": None, "closed_dates": [], "special": [],
                "closed_action": {"action": "message", "text": ""}}


# -- form <-> document (pure) -------------------------------------------------------------------

def _time(form: Mapping[str, str], key: str) -> str:
    return form.get(key, "").strip()


def _pairs(form: Mapping[str, str], prefix: str) -> list[list[str]]:
    """Rows ``<prefix>.<i>.start/end`` left filled in, in order; an empty end of day (00:00)
    means midnight, which the API writes 24:00."""
    pairs, i = [], 0
    while f"{prefix}.{i}.start" in form:
        start, end = _time(form, f"{prefix}.{i}.start"), _time(form, f"{prefix}.{i}.end")
        if start or end:
            pairs.append([start, DAY_END_API if end == DAY_END_FORM else end])
        i += 1
    return pairs


def schedule_doc(form: Mapping[str, str]) -> dict[str, Any]:
    """The API document the form describes (blank rows left out, so indexes match errors)."""
    country = form.get("holidays.country", "").strip().upper()
    special, i = [], 0
    while f"special.{i}.date" in form:
        day, hours = _time(form, f"special.{i}.date"), _pairs(form, f"special.{i}.intervals")
        if day or hours:
            special.append({"date": day, "intervals": hours})
        i += 1
    return {
        "name": form.get("name", "").strip(),
        "timezone": form.get("timezone", "").strip(),
        "weekly": {day: _pairs(form, f"weekly.{day}") for day in WEEKDAYS},
        "holidays": {"country": country,
                     "subdivision": form.get("holidays.subdivision", "").strip().upper() or None}
        if country else None,
        "closed_dates": listed(form, "closed_dates"),
        "special": special,
        "closed_action": {"action": form.get("closed_action.action", "message"),
                          "text": form.get("closed_action.text", "").strip() or None},
    }


def form_time(value: str) -> str:
    return DAY_END_FORM if value == DAY_END_API else value


# -- views ---------------------------------------------------------------------------------------

@bp.get("/")
def index() -> ResponseReturnValue:
    api = editing()
    config = api.config()
    used_by = {sid: [line.name for line in config.lines.values() if line.schedule == sid]
               for sid in config.schedules}
    return render_template("hours/index.html", schedules=api.list("schedules"),
                           now=api.now(), hours_now=api.hours_now(), used_by=used_by)


def _form(doc: dict[str, Any], errors: dict[str, str], rid: str | None,
          problem: str | None = None) -> str:
    api = editing()
    year = api.now().year
    return render_template(
        "hours/edit.html", doc=doc, errors=errors, rid=rid, problem=problem,
        weekdays=WEEKDAYS, day_names=_day_names(), spare=SPARE_ROWS, form_time=form_time,
        zones=_zones(), countries=_countries(str(get_locale())), year=year,
        holidays=api.holidays_of(rid, year) if rid else [])


def _day_names() -> dict[str, str]:
    """Monday..Sunday in the page's language (Babel's locale data, no catalog needed)."""
    names = Locale.parse(str(get_locale())).days["format"]["wide"]
    return {day: names[i].capitalize() for i, day in enumerate(WEEKDAYS)}


@cache
def _zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and
                  not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))


@cache
def _countries(language: str) -> list[tuple[str, str]]:
    territories = Locale.parse(language).territories
    return sorted(((code, territories.get(code, code)) for code in COUNTRIES),
                  key=lambda item: item[1])


forms.resource_pages(bp, "schedules", read=lambda form, rid: schedule_doc(form), page=_form,
                     blank=NEW_SCHEDULE)
