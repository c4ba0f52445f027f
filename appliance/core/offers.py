"""Handing waiting calls to agents: who rings, answering, ring timeouts, wrap-up, autopause.

Domain rules kept here: an agent is offered one call at a time and never while ringing,
talking or wrapping up; for each team the longest-waiting caller is offered first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from appliance import events as ev
from appliance.config.model import Presence, Strategy, Team
from appliance.core.state import (
    AgentRuntime,
    AgentState,
    Call,
    CallState,
    CallTimer,
    Outcome,
    Phase,
)
from appliance.policy.routing import Candidate, pick
from appliance.records import stats
from hardware.audio.sources import Tone
from hardware.interfaces import line_port, station_port

if TYPE_CHECKING:
    from appliance.core.office import Office

log = logging.getLogger(__name__)


class CallbackGate(Protocol):
    """What offering needs from the callbacks (``core.callbacks``): whether a waiting callback
    may ring an agent now, and what happens when its agent is rung and lifts the handset."""

    def ready(self, call: Call) -> bool: ...
    def offered(self, call: Call) -> None: ...
    def unoffered(self, call: Call) -> None: ...
    def taken(self, call: Call, station_id: str) -> None: ...


class Offers:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.callbacks: CallbackGate | None = None    # set by the engine

    # -- choosing -----------------------------------------------------------------------------

    def eligible(self, agent_id: str) -> bool:
        office = self.office
        agent, runtime = office.config.agents.get(agent_id), office.agents.get(agent_id)
        if agent is None or runtime is None or agent.station is None:
            return False
        station = office.stations.get(agent.station)
        return (office.presence.get(agent_id) is Presence.AVAILABLE
                and runtime.state is AgentState.IDLE
                and station is not None and station.online and not station.off_hook
                and station.ringing_for is None and agent.station in office.station_drivers)

    def dispatch(self) -> None:
        """Offer waiting calls to free agents, longest-waiting caller first."""
        self._count_today()
        waiting = sorted((c for c in self.office.calls.values() if c.state is CallState.QUEUED),
                         key=lambda c: c.waiting_since or 0.0)
        for call in waiting:
            team = self.office.config.teams.get(call.team or "")
            if team is None or (call.callback and not (self.callbacks
                                                       and self.callbacks.ready(call))):
                continue
            candidates = [Candidate(a, self.office.agents[a].idle_since,
                                    self.office.agents[a].calls_taken)
                          for a in team.members if self.eligible(a)]
            chosen = pick(team.strategy, team.members, candidates,
                          last_offered=self.office.round_robin.get(team.id),
                          tried=frozenset(call.tried))
            if chosen:
                self._offer(call, team, chosen)

    def _count_today(self) -> None:
        """``fewest_calls`` counts the calls each agent answered today, in the office's time
        zone, across teams: read from the history on the first offer of a day (so a restart
        changes nothing), then kept up as agents answer."""
        office = self.office
        midnight = office.midnight()
        if office.counted_day == midnight:
            return
        office.counted_day = midnight
        today = office.keep(stats.answered_by_agent, office.history,
                            midnight.timestamp()) or {}
        for agent_id, runtime in office.agents.items():
            runtime.calls_taken = today.get(agent_id, 0)

    def _offer(self, call: Call, team: Team, agent_ids: list[str]) -> None:
        office = self.office
        if team.strategy is not Strategy.RING_ALL and all(a in call.tried for a in agent_ids):
            call.tried.clear()   # everyone had a turn: a new round
        for agent_id in agent_ids:
            runtime = office.agents[agent_id]
            runtime.state, runtime.call = AgentState.RINGING, call.id
            station_id = office.config.agents[agent_id].station
            station = office.stations[station_id]
            station.ringing_for, station.ringing_agent = call.id, agent_id
            office.station_drivers[station_id].ring()
            call.offered_to[agent_id] = station_id      # the handset that rings, whatever
            # the config says about the agent by the time it stops
        office.round_robin[team.id] = agent_ids[-1]
        office.note(call, "offered", ", ".join(agent_ids))
        call.state = CallState.OFFERED
        if call.callback and self.callbacks:
            self.callbacks.offered(call)
        office.call_timer(call, CallTimer.RING, team.ring_timeout_s,
                              lambda: self._ring_timeout(call))

    def _ring_timeout(self, call: Call) -> None:
        """Nobody picked up in time: count a miss for each rung agent and try again."""
        call.timers.pop(CallTimer.RING, None)
        team = self.office.config.teams.get(call.team or "")
        for agent_id in list(call.offered_to):
            self._stop_ringing(call, agent_id)
            runtime = self.office.agents.get(agent_id)
            if runtime is not None:
                runtime.missed_in_row += 1
                self._maybe_autopause(agent_id, runtime, team)
            call.tried.add(agent_id)
        self._requeue(call)
        self.dispatch()

    def _requeue(self, call: Call) -> None:
        if call.state is CallState.OFFERED:
            call.state = CallState.QUEUED
            if call.callback and self.callbacks:
                self.callbacks.unoffered(call)

    def _maybe_autopause(self, agent_id: str, runtime: AgentRuntime, team: Team | None) -> None:
        limit = team.autopause_after if team else 0
        if limit and runtime.missed_in_row >= limit:
            log.info("agent %s missed %d calls in a row: set away", agent_id, runtime.missed_in_row)
            self.office.presence[agent_id] = Presence.AWAY
            runtime.missed_in_row = 0
            self.office.persist_presence(agent_id, Presence.AWAY)

    # -- handsets -----------------------------------------------------------------------------

    def hook(self, e: ev.HookChanged) -> Call | None:
        """Lifting a ringing handset answers; returns the call whose agent hung up (the call
        flow ends it, then dispatches)."""
        station = self.office.stations.get(e.station)
        if station is None:
            return None
        station.off_hook, station.dialled = e.off_hook, ""
        if e.off_hook and station.ringing_for is not None:
            self._answer(station, e.station)
        elif not e.off_hook and station.call is not None:
            return self.office.calls.get(station.call)
        return None

    def _answer(self, station: Any, station_id: str) -> None:
        """The ringing handset was lifted: connect the agent it rang for, if the call is on."""
        call = self.office.calls.get(station.ringing_for or "")
        runtime = self.office.agents.get(station.ringing_agent or "")
        if call is None or runtime is None or call.offered_to.get(runtime.id) != station_id:
            station.ringing_for = station.ringing_agent = None   # a stale bell: silence it
            driver = self.office.station_drivers.get(station_id)
            if driver is not None:
                driver.stop_ring()
            return
        self._connect(call, runtime, station_id)

    def station_status(self, e: ev.StationStatus) -> Call | None:
        """A handset went offline or came back; offline hangs up its call (returned)."""
        station = self.office.stations.get(e.station)
        if station is None:
            return None
        station.online, station.reason = e.online, e.reason
        if e.online:
            return None
        agent = self.office.config.agent_at_station(e.station)
        if agent is not None:
            self.withdraw_agent(agent.id)
        return self.hook(ev.HookChanged(e.station, off_hook=False))

    def _connect(self, call: Call, runtime: AgentRuntime, station_id: str) -> None:
        office = self.office
        call.cancel_timer(CallTimer.RING)
        call.cancel_timer(CallTimer.MAX_WAIT)
        for other in [a for a in call.offered_to if a != runtime.id]:
            self._stop_ringing(call, other)
        call.offered_to.clear()
        station = office.stations[station_id]
        station.ringing_for, station.ringing_agent, station.call = None, None, call.id
        office.station_drivers[station_id].stop_ring()
        runtime.state, runtime.call = AgentState.TALKING, call.id
        runtime.missed_in_row = 0
        runtime.calls_taken += 1
        call.agent, call.station = runtime.id, station_id
        office.audio.stop(station_port(station_id))
        office.audio.listen_keys(station_port(station_id), False)
        if call.callback and self.callbacks:
            self.callbacks.taken(call, station_id)      # the box dials the customer now
            return
        call.state, call.phase, call.hearing = CallState.CONNECTED, Phase.TALKING, "agent"
        call.answered_mono = office.clock.monotonic()
        call.hangup_outcome = Outcome.ANSWERED
        office.note(call, "connected", runtime.id)
        office.audio.stop(line_port(call.line))
        office.audio.bridge(line_port(call.line), station_port(station_id))
        if station.handset:
            office.audio.play(station_port(station_id), Tone.CONNECTED)   # "you are through"

    # -- ending -------------------------------------------------------------------------------

    def withdraw_call(self, call: Call) -> None:
        """Stop ringing everyone for ``call`` (it overflows or ends); no miss is counted."""
        call.cancel_timer(CallTimer.RING)
        for agent_id in list(call.offered_to):
            self._stop_ringing(call, agent_id)

    def withdraw_agent(self, agent_id: str) -> None:
        """The agent went away, offline or was removed while ringing: ring someone else."""
        runtime = self.office.agents.get(agent_id)
        if runtime is None or runtime.state is not AgentState.RINGING:
            return
        call = self.office.calls.get(runtime.call or "")
        if call is None:
            runtime.state, runtime.call = AgentState.IDLE, None
            return
        self._stop_ringing(call, agent_id)
        if not call.offered_to:
            call.cancel_timer(CallTimer.RING)
            self._requeue(call)

    def end_call(self, call: Call) -> None:
        """The call is over: release ringing agents, start wrap-up for the one who talked."""
        self.withdraw_call(call)
        station = self.office.stations.get(call.station or "")
        if station is not None:
            station.call = None
        if call.station is not None:
            self.office.audio.unbridge(line_port(call.line), station_port(call.station))
            driver = self.office.station_drivers.get(call.station)
            if driver is not None:
                driver.hang_up()           # a SIP phone is released; a handset stays lifted
            if station is not None and station.off_hook and station.handset:
                self.office.audio.play(station_port(call.station), Tone.BUSY, loop=True)
        runtime = self.office.agents.get(call.agent or "")
        if runtime is None:
            return
        team = self.office.config.teams.get(call.team or "")
        wrap = team.wrap_up_s if team else 0
        runtime.call = None
        if wrap <= 0:
            self._idle(runtime)
            return
        runtime.state = AgentState.WRAP_UP
        runtime.wrap_timer = self.office.after(wrap, lambda: self._idle(runtime, dispatch=True))

    def _idle(self, runtime: AgentRuntime, *, dispatch: bool = False) -> None:
        runtime.state, runtime.call, runtime.wrap_timer = AgentState.IDLE, None, None
        runtime.idle_since = self.office.clock.monotonic()
        if dispatch:
            self.dispatch()

    def _stop_ringing(self, call: Call, agent_id: str) -> None:
        """Silence the handset rung for ``agent_id`` and free the agent (no miss counted)."""
        station_id = call.offered_to.pop(agent_id, None)
        runtime = self.office.agents.get(agent_id)
        if runtime is not None and runtime.state is AgentState.RINGING and runtime.call == call.id:
            runtime.state, runtime.call = AgentState.IDLE, None
        station = self.office.stations.get(station_id or "")
        if station is not None and station.ringing_for == call.id:
            station.ringing_for = station.ringing_agent = None
            driver = self.office.station_drivers.get(station_id)
            if driver is not None:
                driver.stop_ring()
