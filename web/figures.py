"""The day's figures on the page, and any range's: counts, waits, service level, a chart.

One day is drawn by hour, a longer range by day: answered and abandoned calls as stacked
bars in an SVG the box draws itself (no internet, no script), with the same numbers in a
table for screen readers. The service level counts calls answered within a threshold the
owner chooses (20 s until the owner saves another), as ``/api/stats`` does.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from appliance.errors import Text, ValidationError

from .helpers import SERVICE_LEVEL, appliance, date_arg, names, office_tz, service_level_s
from .i18n import translated_fields

bp = Blueprint("figures", __name__, url_prefix="/figures")

CHART_W, CHART_H = 640, 200


def bars(rows: list[dict[str, Any]], width: int = CHART_W,
         height: int = CHART_H) -> list[dict[str, Any]]:
    """Stacked bars for ``rows`` (answered below, abandoned above), scaled to the busiest."""
    top = max([r["answered"] + r["abandoned"] for r in rows] + [1])
    step = width / max(len(rows), 1)
    out = []
    for i, row in enumerate(rows):
        answered = row["answered"] * height / top
        abandoned = row["abandoned"] * height / top
        out.append({"x": round(i * step + step * 0.1, 1), "w": round(step * 0.8, 1),
                    "answered_y": round(height - answered, 1), "answered_h": round(answered, 1),
                    "abandoned_y": round(height - answered - abandoned, 1),
                    "abandoned_h": round(abandoned, 1), "row": row})
    return out


@bp.get("/")
def index(saving_errors: dict[str, str] | None = None, typed: str = "") -> ResponseReturnValue:
    api = appliance()
    tz = ZoneInfo(office_tz())
    fields: dict[str, str] = {}
    today = api.now().astimezone(tz).date()
    start = date_arg("from", fields) or today
    end = date_arg("to", fields) or start
    sl = _service_level(fields)
    if fields:
        raise ValidationError(fields)
    by = "hour" if start == end else "day"
    options = {"tz": tz, "service_level_s": sl}
    rows = api.admin.stats(start, end, by=by, **options)
    return render_template(
        "figures.html", start=start, end=end, by=by, sl=sl, today=today,
        total=api.admin.stats_total(start, end, **options), rows=rows, bars=bars(rows),
        width=CHART_W, height=CHART_H,
        teams=api.admin.stats(start, end, by="team", **options),
        agents=api.admin.stats(start, end, by="agent", **options), names=names("teams", "agents"),
        label=lambda row: _label(row, by), saved_sl=service_level_s(),
        saving_errors=translated_fields(saving_errors or {}), typed=typed)


@bp.post("/service-level")
def save_service_level() -> ResponseReturnValue:
    """Make a threshold the office's own: the live board and this page's default use it."""
    fields: dict[str, str] = {}
    value = _seconds(request.form.get("service_level_s", ""), fields)
    if fields:
        return index(saving_errors=fields, typed=request.form.get("service_level_s", "")), 400
    appliance().admin.set_setting(SERVICE_LEVEL, value)
    flash(_("From now on, calls answered within %(s)d s count as answered in time.", s=value),
          "ok")
    return redirect(url_for(".index", service_level_s=value))


def _service_level(fields: dict[str, str]) -> int:
    return _seconds(request.args.get("service_level_s", str(service_level_s())), fields)


def _seconds(raw: str, fields: dict[str, str]) -> int:
    if not raw.strip().isdigit() or not 0 < int(raw) <= 600:
        fields["service_level_s"] = Text("Must be a number of seconds from 1 to 600.")
        return service_level_s()
    return int(raw)


def _label(row: dict[str, Any], by: str) -> str:
    return row["key"][11:16] if by == "hour" else date.fromisoformat(row["key"]).strftime("%d/%m")

