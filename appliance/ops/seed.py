"""The sample office ``switchboard demo`` puts into an empty data directory."""

from __future__ import annotations

from typing import Any

OFFICE_HOURS = [["09:00", "14:00"], ["15:00", "18:00"]]

SAMPLE_OFFICE: dict[str, list[dict[str, Any]]] = {
    "stations": [{"id": "desk-1", "name": "Front desk"}, {"id": "desk-2", "name": "Desk 2"},
                 {"id": "desk-3", "name": "Desk 3"}],
    "agents": [{"id": "ana", "name": "Ana", "station": "desk-1"},
               {"id": "bruno", "name": "Bruno", "station": "desk-2"},
               {"id": "carla", "name": "Carla", "station": "desk-3"}],
    "teams": [{"id": "reception", "name": "Reception", "strategy": "longest_idle",
               "members": ["ana", "bruno", "carla"], "ring_timeout_s": 15, "max_wait_s": 180,
               "wrap_up_s": 5, "max_queue": 5, "autopause_after": 3,
               "channels": ["voice", "sms"],
               "overflow": {"action": "message",
                            "text": "Sorry, everyone is busy. Please call again later."}}],
    "schedules": [{"id": "office-hours", "name": "Office hours", "timezone": "Europe/Madrid",
                   "weekly": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE_HOURS),
                   "holidays": {"country": "ES", "subdivision": "MD"},
                   "closed_action": {"action": "message",
                                     "text": "We are closed. We open Monday to Friday "
                                             "from 9:00 to 18:00."}}],
    "menus": [{"id": "main", "name": "Main menu",
               "prompt": {"text": "Welcome. Press 1 for sales, 2 to hear our hours, "
                                  "or 0 to speak to someone."},
               "options": {"1": {"team": "reception"},
                           "2": {"action": "message",
                                 "text": "We are open Monday to Friday from 9:00 to 18:00."}},
               "timeout_s": 6, "retries": 2, "fallback": {"team": "reception"}}],
    "lines": [{"id": "line-1", "name": "Main number", "kind": "gsm", "number": "+34 600 000 001",
               "entry": {"menu": "main"}, "schedule": "office-hours"},
              {"id": "line-2", "name": "Second SIM", "kind": "gsm", "number": "+34 600 000 002",
               "entry": {"team": "reception"}, "schedule": "office-hours"}],
}


# The demo's SIP half (hardware.fakes.sip): an analog line behind a simulated ATA, and a SIP
# desk phone whose agent joins the reception team.
SIP_LINE, SIP_DESK = "line-3", "desk-4"
SIP_EXTRAS: dict[str, list[dict[str, Any]]] = {
    "stations": [{"id": SIP_DESK, "name": "SIP desk"}],
    "agents": [{"id": "diego", "name": "Diego", "station": SIP_DESK}],
    "lines": [{"id": SIP_LINE, "name": "Analog line (ATA)", "kind": "analog",
               "number": "+34 910 000 003", "entry": {"menu": "main"},
               "schedule": "office-hours"}],
}


def seed_sample_office(store: Any, *, sip: bool = False) -> None:
    """Create the sample office in dependency order (stations before agents, and so on);
    with ``sip``, also the analog line and the SIP desk of ``SIP_EXTRAS``."""
    for kind in ("stations", "agents", "teams", "schedules", "menus", "lines"):
        for doc in SAMPLE_OFFICE[kind] + (SIP_EXTRAS.get(kind, []) if sip else []):
            if sip and kind == "teams":
                doc = doc | {"members": [*doc["members"], "diego"]}
            store.create(kind, doc)
