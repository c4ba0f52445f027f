"""Build the immutable snapshot the web reads from the core's mutable state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.core.state import (
    AgentView,
    CallView,
    LineView,
    OverrideView,
    Snapshot,
    StationView,
    presence_of,
)

if TYPE_CHECKING:
    from appliance.core.office import Office


def build_snapshot(core: Office, handled: int) -> Snapshot:
    """Called on the core thread after every event; cheap enough for a small office."""
    cfg, mono = core.config, core.clock.monotonic()
    lines = tuple(
        LineView(lid, line.name, line.kind.value, line.number, rt.state.value, rt.call, rt.reason,
                 dict(rt.info))
        for lid, line in cfg.lines.items() if (rt := core.lines.get(lid)) is not None)
    stations = tuple(
        StationView(sid, st.name, rt.kind, "off" if rt.off_hook else "on",
                    rt.ringing_for is not None, rt.ringing_for or rt.call, rt.online, rt.cadence,
                    _held(core, rt.call), "" if rt.online else rt.reason)
        for sid, st in cfg.stations.items() if (rt := core.stations.get(sid)) is not None)
    agents = tuple(
        AgentView(aid, agent.name, presence_of(core.presence.get(aid)), rt.state.value,
                  agent.station, rt.calls_taken, rt.missed_in_row)
        for aid, agent in cfg.agents.items() if (rt := core.agents.get(aid)) is not None)
    calls = tuple(
        CallView(c.id, c.line, c.caller, c.state.value, c.team, c.agent, c.started.isoformat(),
                 _waited(c, mono), c.hearing, c.callback)
        for c in sorted(core.calls.values(), key=lambda c: c.started_mono))
    overrides = tuple(OverrideView(sid, o.open, o.until.isoformat())
                      for sid, o in sorted(core.overrides.items()))
    return Snapshot(core.clock.now().isoformat(), lines, stations, agents, calls,
                    core.clock.source, overrides, core.closed_switch, handled)


def _held(core: Office, call_id: str | None) -> bool:
    call = core.calls.get(call_id or "")
    return call is not None and call.held


def _waited(call: Any, mono: float) -> float:
    """Seconds waited so far (0.0 is a valid monotonic reading, so compare with None)."""
    if call.waiting_since is None:
        return 0.0
    until = mono if call.answered_mono is None else call.answered_mono
    return round(until - call.waiting_since, 1)
