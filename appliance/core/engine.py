"""The core: one thread that owns every line, station, agent and call, fed by one queue.

Drivers, the web app and the clock only ``post`` events. The core thread takes one event at a
time, lets ``CallFlow`` and ``Offers`` change state and send hardware commands, runs timers that
fell due, then publishes an immutable ``Snapshot``. Nothing else mutates call state, so the
domain code needs no locks and events are handled strictly in arrival order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance import events as ev
from appliance.config.messaging import Messaging
from appliance.config.model import Config, Presence
from appliance.core.callbacks import Callbacks
from appliance.core.calls import CallFlow
from appliance.core.changes import Changes
from appliance.core.conversations import Conversations
from appliance.core.desk import Desk
from appliance.core.notices import Notices
from appliance.core.offers import Offers
from appliance.core.office import Office
from appliance.core.outbox import Outbox, Outgoing
from appliance.core.state import (
    AgentRuntime,
    AgentState,
    LineRuntime,
    Snapshot,
    StationRuntime,
)
from appliance.core.timers import Timer
from appliance.core.views import build_snapshot
from appliance.errors import Conflict, NotFound, Text, Unavailable
from appliance.policy.consent import valid_consent
from appliance.policy.schedule import Override
from hardware.interfaces import Capability, Hardware
from hardware.panel import Lamp

log = logging.getLogger(__name__)

HOUSEKEEPING_S = 24 * 3600
HOUSEKEEPING_DELAY_S = 600      # the first one after start-up has settled
CLOSE_LIMIT_S = 2.5             # all drivers together; systemd stop should take seconds


class Engine:
    def __init__(self, hardware: Hardware, clock: Any, history: Any, *,
                 persist_presence: Callable[[str, Presence], None] | None = None,
                 recordings: Path | None = None, language: str = "es",
                 country: str = "ES") -> None:
        self.hardware = hardware
        self.clock = clock
        office = self.office = Office(clock, history, hardware.audio, language, recordings,
                                      country=country)
        if persist_presence is not None:
            office.persist_presence = persist_presence
        self.offers = Offers(office)
        self.desk = Desk(office)
        self.outbox = Outbox(office)
        self.callbacks = self.offers.callbacks = Callbacks(office, self.offers, self.outbox)
        self.conversations = Conversations(office, self.outbox)
        self.notices = Notices(office, self.outbox, self.callbacks, self.conversations)
        self.flow = CallFlow(office, self.offers, self.callbacks, self.notices,
                             line_removed=lambda: self._drop_removed(self.office.config))
        self.handled = 0
        self.failures = 0
        self._closers: list[threading.Thread] = []
        self._queue: queue.SimpleQueue[ev.Event] = queue.SimpleQueue()
        self._snapshot = Snapshot(time=clock.now().isoformat())
        self.changes = Changes()
        self._thread: threading.Thread | None = None
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.IncomingCall: self.flow.incoming, ev.LineAnswered: self.flow.answered,
            ev.CallerHungUp: self.flow.caller_hung_up, ev.DtmfReceived: self.flow.dtmf,
            ev.PlaybackEnded: self.flow.playback_ended, ev.LineStatus: self.flow.line_status,
            ev.RecordingFinished: self.flow.recording_finished,
            ev.LineInfo: self.flow.line_info, ev.DialResult: self.flow.dial_result,
            ev.NetworkTime: self._network_time, ev.LineReleased: self.flow.line_released,
            ev.SmsReceived: self.notices.received, ev.SmsSent: self._sms_sent,
            ev.HookChanged: self._hook, ev.StationStatus: self.flow.station_status,
            ev.TrunkAnswered: self.flow.gateway.answered, ev.TrunkEnded: self.flow.gateway.ended,
            ev.HookFlash: self.desk.flash, ev.DigitDialled: self.desk.digit,
            ev.PanelSwitch: self._panel_switch, ev.KeyHeard: self.desk.key_heard,
            ev.ConfigChanged: lambda e: self._apply_config(e.config),
            ev.Tick: self._clock_moved,
            ev.RunOnCore: self._run_on_core,
        }

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, config: Config, *, heartbeat: Callable[[], None] | None = None,
              heartbeat_s: float | None = None,
              overrides: Mapping[str, Override] | None = None,
              messaging: Messaging | None = None) -> None:
        """Start the core thread. ``heartbeat`` runs on it every ``heartbeat_s`` (the systemd
        watchdog ping), so it stops when the core is stuck. Daily housekeeping (history
        retention) runs on it too, so it never races a call. ``overrides``: the hours the
        owner set open/closed by hand before the box restarted. Open callbacks and SMS
        conversations are read back from the history."""
        self.office.overrides.update(overrides or {})
        self.office.messaging = messaging or Messaging()
        self.post(ev.ConfigChanged(config))
        self.post(ev.RunOnCore(lambda core: core._resume()))
        if heartbeat is not None and heartbeat_s:
            self.every(heartbeat_s, heartbeat)
        self.every(HOUSEKEEPING_S, self._housekeeping, first_after=HOUSEKEEPING_DELAY_S)
        self.clock.subscribe(lambda: self.post(ev.Tick()))
        self.hardware.audio.start(self.post)
        if self.hardware.panel is not None:
            self.hardware.panel.start(self.post)
        self._thread = threading.Thread(target=self._run, name="core", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.changes.close()
        if self._thread is not None:
            self.post(ev.Stop())
            self._thread.join(timeout=5)
            self._thread = None
        office = self.office
        close_all({**{f"line-{i}": d for i, d in office.line_drivers.items()},
                   **{f"trunk-{i}": d for i, d in office.trunk_drivers.items()},
                   **{f"station-{i}": d for i, d in office.station_drivers.items()}})
        for closer in self._closers:
            closer.join(timeout=CLOSE_LIMIT_S)
        office.line_drivers.clear()
        office.trunk_drivers.clear()
        office.station_drivers.clear()

    def post(self, event: ev.Event) -> None:
        """Thread-safe: the only way anything outside the core reaches it."""
        self._queue.put(event)

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def on_core(self, fn: Callable[[Engine], Any], timeout: float = 5.0) -> Any:
        """Run ``fn`` on the core thread and return its result (for tests and commands)."""
        request = ev.RunOnCore(fn, Future())
        self.post(request)
        try:
            return request.reply.result(timeout=timeout)
        except FutureTimeout:
            raise Unavailable("The call engine did not answer in time.") from None

    def settle(self, timeout: float = 5.0) -> None:
        """Block until the core has handled everything posted so far and what that caused."""
        while not self.on_core(lambda core: core._queue.empty() and not core._due(), timeout):
            pass

    def set_override(self, schedule_id: str, override: Override | None) -> None:
        """Open or close a schedule by hand (None: its hours decide again)."""
        def apply(core: Engine) -> None:
            if override is None:
                core.office.overrides.pop(schedule_id, None)
            else:
                core.office.overrides[schedule_id] = override

        self.on_core(apply)

    def send_sms(self, line_id: str, number: str, text: str, purpose: str = "") -> None:
        """Queue a text on a line (thread-safe); it goes out when the line has no call.

        Only for messages the rules allow (rule 4: telling a caller who asked for a callback).
        """
        def send(core: Engine) -> None:
            if not core.outbox.can_text(line_id):
                raise NotFound(f"Line '{line_id}' cannot send text messages.")
            core.outbox.send(Outgoing(line_id, number, text, purpose))

        self.on_core(send)

    def set_messaging(self, messaging: Messaging) -> None:
        """The owner changed the text settings (thread-safe)."""
        def apply(core: Engine) -> None:
            core.office.messaging = messaging
            core.notices.arm_summary()

        self.on_core(apply)

    def cancel_callback(self, cid: str) -> bool:
        """Cancel an open callback (thread-safe); False if it is not open or being dialled."""
        return self.on_core(lambda core: core.callbacks.cancel(cid, "cancelled"))

    def reply(self, conversation: str, text: str) -> None:
        """Queue staff's reply in an open conversation (thread-safe)."""
        self.on_core(lambda core: core.conversations.reply(conversation, text))

    def close_conversation(self, conversation: str, by: str) -> None:
        self.on_core(lambda core: core.conversations.close(conversation, by))

    def call_out(self, line_id: str, number: str) -> None:
        """Dial ``number`` on a line (thread-safe), only with its consent in force (rule 4):
        refused otherwise, and the refusal logged. Raises Conflict when refused."""
        def dial(core: Engine) -> None:
            office = core.office
            consent = valid_consent(office.history.consents(number=number), number,
                                    office.clock.now())
            if consent is None:
                log.warning("refused to call %s on %s: no consent in force", number, line_id)
                raise Conflict(Text("%(number)s has not agreed to be called (or took it back, "
                                    "or it expired): the box does not call it.", number=number))
            driver = office.line_drivers.get(line_id)
            if driver is None or Capability.DIAL not in driver.capabilities:
                raise NotFound(Text("Line '%(line)s' cannot place calls.", line=line_id))
            log.info("calling %s on %s (consent %d)", number, line_id, consent.record_id)
            driver.dial(number)

        self.on_core(dial)

    def every(self, every_s: float, action: Callable[[], None], *,
              first_after: float = 0.0) -> None:
        """Run ``action`` on the core thread now (or after ``first_after``), then periodically."""
        def beat() -> None:
            action()
            self.after(every_s, beat)

        if first_after:
            self.after(first_after, beat)
        else:
            beat()

    def after(self, seconds: float, action: Callable[[], None]) -> Timer:
        return self.office.after(seconds, action)

    # -- the loop -----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                event = self._queue.get(
                    timeout=self.clock.wait_time(self.office.timers.next_deadline()))
            except queue.Empty:
                event = None
            if isinstance(event, ev.Stop):
                break
            if event is not None:
                log.debug("event %r", event)       # switchboard -v: what the core was told
                self._guarded(self._handlers[type(event)], event)
            self.office.timers.run_due(self.clock.monotonic(), self._timer_failed)
            self._guarded(lambda _: self.outbox.flush(), None)
            self._publish(isinstance(event, ev.Tick | ev.ConfigChanged))

    def _publish(self, news: bool) -> None:
        """Swap in the new snapshot; tell the board only when something it shows changed (the
        time alone moves with every event, but a clock that jumped or a new configuration
        is news)."""
        before, self._snapshot = self._snapshot, build_snapshot(self.office, self.handled)
        if news or not self._snapshot.same_board(before):
            self.changes.bump()
            self._light_lamps()

    def _guarded(self, handler: Callable[[Any], Any], event: Any) -> None:
        """One bad event must not stop the switchboard: log it, end the call it was about (so
        no caller is left stuck), and carry on."""
        try:
            handler(event)
            self.handled += event is not None
        except Exception:
            self.failures += 1
            log.exception("core failed handling %r", event)
            line = getattr(event, "line", None)
            if isinstance(line, str):
                self.flow.abort_on_line(line)

    def _timer_failed(self, timer: Timer, exc: Exception) -> None:
        """Like a failed event: log it and end the call the timer belonged to."""
        self.failures += 1
        log.error("core failed on a timer of %s", timer.owner or "the core", exc_info=exc)
        call = self.office.calls.get(timer.owner or "")
        if call is not None:
            self.flow.abort(call)

    def _due(self) -> bool:
        deadline = self.office.timers.next_deadline()
        return deadline is not None and deadline <= self.clock.monotonic()

    def _network_time(self, e: ev.NetworkTime) -> None:
        when = network_utc(e.when, self.office.config, e.line)
        if when is None:
            log.info("network time from %s has no zone and the line no schedule: not used",
                     e.line)
            return
        self.clock.adjust_from_network(when, e.line)

    def _housekeeping(self) -> None:
        """Daily: forget history older than the retention period, with its recordings."""
        office = self.office
        purged = office.keep(office.history.purge_expired, office.clock.now())
        if purged is not None and office.recordings is not None:
            for vid in purged.voicemails:
                (office.recordings / f"{vid}.wav").unlink(missing_ok=True)

    def _resume(self) -> None:
        """At start: the promises kept in the history (open callbacks and conversations) come
        back, and the daily summary is set for today's closing time."""
        self.callbacks.load()
        self.conversations.load()
        self.notices.arm_summary()
        self.offers.dispatch()

    def _run_on_core(self, request: ev.RunOnCore) -> None:
        try:
            request.reply.set_result(request.fn(self))
        except Exception as exc:
            request.reply.set_exception(exc)

    # -- configuration ------------------------------------------------------------------------

    def _apply_config(self, config: Config) -> None:
        """Bring runtimes and drivers in line with a new config; calls in progress keep going."""
        office = self.office
        office.config = config
        for line_id in config.lines:
            if line_id not in office.lines:
                self._add_line(line_id)
        for station_id in config.stations:
            if station_id not in office.stations:
                self._add_station(station_id)
        for agent in config.agents.values():
            office.agents.setdefault(agent.id, AgentRuntime(agent.id, self.clock.monotonic()))
            if office.presence.get(agent.id) != agent.presence:
                office.presence[agent.id] = agent.presence
                if agent.presence is not Presence.AVAILABLE:
                    self.offers.withdraw_agent(agent.id)
        self._withdraw_unlinked(config)
        self.callbacks.config_changed()
        self.conversations.assign_waiting()
        self.flow.reroute_orphans()
        self._drop_removed(config)
        self.offers.dispatch()

    def _withdraw_unlinked(self, config: Config) -> None:
        """Stop ringing agents who were deleted or moved to another desk meanwhile."""
        office = self.office
        for agent_id, runtime in list(office.agents.items()):
            call = office.calls.get(runtime.call or "")
            if runtime.state is not AgentState.RINGING or call is None:
                continue
            agent = config.agents.get(agent_id)
            if agent is None or agent.station != call.offered_to.get(agent_id):
                self.offers.withdraw_agent(agent_id)

    def _add_line(self, line_id: str) -> None:
        self._attach(self.office.lines, self.office.line_drivers, LineRuntime(line_id),
                     self.hardware.line_driver(line_id),
                     Text("No device is wired for this line: the settings file has no "
                          "[[lines]] with its id."))
        trunk = self.hardware.trunk_driver(line_id)
        if trunk is not None:
            self.office.trunk_drivers[line_id] = trunk
            trunk.start(self.post)

    def _clock_moved(self, _: ev.Tick) -> None:
        """The wall clock jumped (network time, a test): deadlines set in wall time (opening
        hours of callbacks, the summary at closing time) are looked at again."""
        self.notices.arm_summary()
        self.offers.dispatch()

    def _sms_sent(self, e: ev.SmsSent) -> None:
        """The line is free of its text: a callback waiting for a line may go now."""
        self.outbox.sent(e)
        self.offers.dispatch()

    def _panel_switch(self, e: ev.PanelSwitch) -> None:
        log.info("front panel: closed switch %s", "on" if e.closed else "off")
        self.office.closed_switch = e.closed

    def _light_lamps(self) -> None:
        """Each line's panel lamp: off when not working, on when idle, blinking in a call."""
        panel = self.hardware.panel
        if panel is None:
            return
        for line in self._snapshot.lines:
            lamp = (Lamp.ON if line.state == "idle" else
                    Lamp.BLINK if line.state in ("ringing", "in_call") else Lamp.OFF)
            panel.show(line.id, lamp)

    def _hook(self, e: ev.HookChanged) -> None:
        self.flow.hook(e)
        self.desk.hook(e)

    def _add_station(self, station_id: str) -> None:
        driver = self.hardware.station_driver(station_id)
        runtime = StationRuntime(station_id)
        if driver is not None:
            runtime.kind = driver.kind
            runtime.cadence = driver.cadence.to_dict() if driver.cadence else None
        self._attach(self.office.stations, self.office.station_drivers, runtime, driver,
                     Text("No handset or phone is wired for this station: the settings file "
                          "has no [[handsets]] or [[phones]] with its id."))

    def _attach(self, runtimes: dict[str, Any], drivers: dict[str, Any], runtime: Any,
                driver: Any, missing: str) -> None:
        """A new line or station: its runtime, and its driver started (or why it has none)."""
        runtimes[runtime.id] = runtime
        if driver is None:
            runtime.reason = missing
            return
        drivers[runtime.id] = driver
        driver.start(self.post)

    def _drop_removed(self, config: Config) -> None:
        """Forget lines, stations and agents deleted from the config once they are not busy."""
        office = self.office
        for line_id in [i for i in office.lines if i not in config.lines]:
            if office.lines[line_id].call is None and not office.lines[line_id].releasing:
                del office.lines[line_id]
                self._close_later(f"line-{line_id}", office.line_drivers.pop(line_id, None))
                self._close_later(f"trunk-{line_id}", office.trunk_drivers.pop(line_id, None))
        for station_id in [i for i in office.stations if i not in config.stations]:
            station = office.stations[station_id]
            if station.ringing_for is None and station.call is None:
                del office.stations[station_id]
                self._close_later(f"station-{station_id}",
                                  office.station_drivers.pop(station_id, None))
        for agent_id in [i for i in office.agents if i not in config.agents]:
            if office.agents[agent_id].call is None:
                del office.agents[agent_id]
                office.presence.pop(agent_id, None)

    def _close_later(self, name: str, driver: Any) -> None:
        """Close a removed device's driver off the core thread: a modem's close can take
        seconds, and other calls' events must not wait for it. Joined by :meth:`close`."""
        if driver is not None:
            closer = threading.Thread(target=driver.close, name=f"close-{name}", daemon=True)
            closer.start()
            self._closers = [t for t in self._closers if t.is_alive()] + [closer]


def network_utc(when: datetime, config: Config, line_id: str) -> datetime | None:
    """A network time in UTC. Without its zone it is the line's local wall time: the zone of
    the line's schedule (the office's); None when the line has none to go by."""
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    schedule = config.schedule_of(line_id)
    if schedule is None:
        return None
    return when.replace(tzinfo=ZoneInfo(schedule.timezone)).astimezone(UTC)


def close_all(drivers: dict[str, Any], limit_s: float = CLOSE_LIMIT_S) -> list[str]:
    """Close drivers side by side, waiting ``limit_s`` at most in all.

    A modem's close can wait seconds for a command in flight, and one after another 32 lines
    took 17 s to stop; a restart after an update should take seconds. Returns the names of
    those still closing when the time is up (logged; the process is exiting anyway).
    """
    threads = {name: threading.Thread(target=driver.close, name=f"close-{name}", daemon=True)
               for name, driver in drivers.items()}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + limit_s
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [name for name, thread in threads.items() if thread.is_alive()]
    if stuck:
        log.warning("still closing after %.1f s, left behind: %s", limit_s, ", ".join(stuck))
    return stuck
