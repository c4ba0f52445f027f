"""``/healthz``: is the appliance alive? For systemd checks, monitoring and people.

Public (no login) and says nothing private: whether the core answers within two seconds and
how many lines are up. A wedged core gives 503 here before the watchdog restarts it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from .helpers import appliance

bp = Blueprint("health", __name__)
CORE_TIMEOUT_S = 2.0


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    api = appliance()
    if not api.core_answers(timeout=CORE_TIMEOUT_S):
        return jsonify({"ok": False, "core": "not answering"}), 503
    lines = api.status()["lines"]
    up = sum(line["state"] in ("idle", "ringing", "in_call") for line in lines)
    return jsonify({"ok": True, "core": "answering", "lines": len(lines), "lines_up": up})
