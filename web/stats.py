"""Call statistics for the dashboard: ``GET /api/stats?from=&to=&by=&tz=``.

The view only parses the query string; the definitions and the grouping (DST-correct local days
and hours) live in ``appliance.records.stats``. Every bad parameter is reported at once, as the 400
``fields`` of the usual JSON error (``web.errors``). Without ``tz`` the first schedule's time
zone is used, because "per day" means the office's day; UTC when there is no schedule.
Without ``from`` and ``to`` the range is today, on the box's clock.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from appliance.errors import ValidationError
from appliance.records import stats

from .helpers import appliance, date_arg, office_tz, service_level_s

bp = Blueprint("stats", __name__, url_prefix="/api/stats")


def _service_level(fields: dict[str, str]) -> float:
    raw = request.args.get("service_level_s", str(service_level_s()))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        fields["service_level_s"] = "Must be a number of seconds from 0 to 3600."
    return value


def _params() -> dict[str, Any]:
    """The summary's arguments, or one ``ValidationError`` naming every bad field."""
    fields: dict[str, str] = {}
    start, end = date_arg("from", fields), date_arg("to", fields)
    by = request.args.get("by", "day")
    if by not in stats.GROUPINGS:
        fields["by"] = f"Must be one of {', '.join(stats.GROUPINGS)}."
    tz_name = request.args.get("tz") or office_tz()
    try:
        tz = stats.zone(tz_name)
    except ValidationError as exc:
        fields.update(exc.fields)
        tz = None
    if "from" not in request.args and "to" not in request.args and tz is not None:
        start = end = appliance().now().astimezone(tz).date()     # no range: today
    for name, value in (("from", start), ("to", end)):
        if value is None and name not in fields:
            fields[name] = "Required with the other end of the range: a date as YYYY-MM-DD."
    service_level_s = _service_level(fields)
    if fields:
        raise ValidationError(fields)
    return {"start": start, "end": end, "by": by, "tz": tz, "tz_name": tz_name,
            "service_level_s": service_level_s,
            "team": request.args.get("team"), "agent": request.args.get("agent")}


@bp.get("")
def summary() -> ResponseReturnValue:
    p = _params()
    rows = appliance().admin.stats(p["start"], p["end"], tz=p["tz"], by=p["by"],
                                   service_level_s=p["service_level_s"], team=p["team"],
                                   agent=p["agent"])
    return jsonify({"from": p["start"].isoformat(), "to": p["end"].isoformat(), "by": p["by"],
                    "tz": p["tz_name"], "service_level_s": p["service_level_s"],
                    "team": p["team"], "agent": p["agent"], "rows": rows})
