"""Runtime state the core thread owns (mutable, never shared) and the snapshot it publishes.

Only the core thread touches ``LineRuntime``, ``StationRuntime``, ``AgentRuntime`` and ``Call``.
After each event it builds a ``Snapshot`` of frozen views that any thread may read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from appliance.config.model import Presence
from appliance.core.timers import Timer
from appliance.errors import Text
from appliance.policy.menus import MenuState

STARTING = Text("Starting.")      # a line or station until its driver says more


class LineState(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"
    IN_CALL = "in_call"
    OFFLINE = "offline"
    ERROR = "error"


class AgentState(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"


class CallState(StrEnum):
    RINGING = "ringing"
    MENU = "menu"
    QUEUED = "queued"
    OFFERED = "offered"
    CONNECTED = "connected"
    FORWARDING = "forwarding"        # gateway mode: the box is dialling the office's PBX
    CALLING_BACK = "calling_back"    # an agent took a callback: the box dials the customer
    MESSAGE = "message"
    VOICEMAIL = "voicemail"


class Outcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CLOSED = "closed"                # out of hours
    MESSAGE = "message"              # in hours, an informational message ended the call
    VOICEMAIL = "voicemail"
    CALLBACK_REQUESTED = "callback_requested"
    BUSY = "busy"
    FAILED = "failed"


class CallTimer(StrEnum):
    """The deadlines a call can have, one of each at most."""

    MENU = "menu"              # the caller's next key on a menu
    MAX_WAIT = "max_wait"      # queued too long: the team's overflow
    FORWARD = "forward"        # the PBX must answer by then (gateway mode)
    ANNOUNCE = "announce"      # tell a waiting caller again
    VOICEMAIL = "voicemail"    # longest message
    RING = "ring"              # the offered desk rang long enough


class Phase(StrEnum):
    """Finer than CallState: what the core is waiting for, so events mean the right thing."""

    ANSWERING = "answering"
    GREETING = "greeting"
    MENU_PROMPT = "menu_prompt"
    MENU_INPUT = "menu_input"
    WAITING = "waiting"
    TALKING = "talking"
    FINAL_MESSAGE = "final_message"   # a message, then the box hangs up
    VOICEMAIL_PROMPT = "voicemail_prompt"
    RECORDING = "recording"
    DIALLING = "dialling"             # a callback: the customer's phone is ringing


@dataclass
class LineRuntime:
    id: str
    state: LineState = LineState.OFFLINE
    reason: str = STARTING
    call: str | None = None
    info: dict[str, Any] = field(default_factory=dict)   # modem model, SIM, operator, signal
    releasing: bool = False   # hung up, the device not done yet: a caller now is a 2nd caller

    @property
    def free(self) -> bool:
        """Up, with no call and not hanging one up: it may dial or send a text."""
        return self.state is LineState.IDLE and self.call is None and not self.releasing


@dataclass
class StationRuntime:
    id: str
    kind: str | None = None          # the driver's: "gpio" | "sip"; None when nothing is wired
    cadence: dict[str, Any] | None = None   # a handset's bell: RingCadence.to_dict()
    online: bool = False
    reason: str = STARTING
    off_hook: bool = False
    ringing_for: str | None = None   # call id ringing this handset
    ringing_agent: str | None = None # the agent it rings for
    call: str | None = None          # call id connected to this handset
    dialled: str = ""                # digits dialled so far on the lifted idle handset

    @property
    def handset(self) -> bool:
        """A desk handset on GPIO: its earpiece hears the box's tones (a SIP phone makes its
        own)."""
        return self.kind == "gpio"


@dataclass
class AgentRuntime:
    id: str
    idle_since: float
    state: AgentState = AgentState.IDLE
    call: str | None = None
    calls_taken: int = 0          # answered today (the office's day), for ``fewest_calls``
    missed_in_row: int = 0
    wrap_timer: Timer | None = None


@dataclass
class Call:
    id: str
    line: str
    caller: str | None
    started: datetime
    started_mono: float
    state: CallState = CallState.RINGING
    phase: Phase = Phase.ANSWERING
    team: str | None = None
    agent: str | None = None
    station: str | None = None
    menu: MenuState | None = None
    waiting_since: float | None = None     # first time queued: fairness and wait time
    answered_mono: float | None = None
    offered_to: dict[str, str] = field(default_factory=dict)   # agent -> station rung
    tried: set[str] = field(default_factory=set)
    teams_visited: list[str] = field(default_factory=list)
    hangup_outcome: Outcome = Outcome.ABANDONED   # what it is if the caller hangs up now
    end_outcome: Outcome = Outcome.FAILED         # what it is when the final message ends
    reason: str = ""
    playback: int | None = None
    hearing: str = ""                      # CallView.hearing
    forward_to: str | None = None          # the PBX's URI while it has or is dialled for it
    held: bool = False                     # the agent flashed: the caller waits on hold
    callback: str | None = None            # the callback this call is (waiting, or dialled)
    callback_offer: str | None = None      # the team a key press would ask a callback of
    timers: dict[CallTimer, Timer] = field(default_factory=dict)
    events: list[dict[str, str]] = field(default_factory=list)   # the timeline

    def cancel_timer(self, name: CallTimer) -> None:
        timer = self.timers.pop(name, None)
        if timer is not None:
            timer.cancel()


@dataclass(frozen=True)
class LineView:
    id: str
    name: str
    kind: str
    number: str
    state: str
    call_id: str | None
    reason: str
    device: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StationView:
    id: str
    name: str
    kind: str | None   # "gpio" (a handset on GPIO) | "sip" (a SIP phone) | None (not wired)
    hook: str          # "on" | "off"
    ringing: bool
    call_id: str | None
    online: bool
    cadence: dict[str, Any] | None = None   # {"pairs_s", "frequency_hz", "on_s"?, "off_s"?}
    held: bool = False      # its call is on hold (the agent flashed the hook)
    reason: str = ""        # why it is offline (pins, sound card, baresip...), for a person


@dataclass(frozen=True)
class AgentView:
    id: str
    name: str
    presence: str
    state: str
    station: str | None
    calls_taken: int
    missed_in_row: int


@dataclass(frozen=True)
class CallView:
    id: str
    line: str
    caller: str | None
    state: str
    team: str | None
    agent: str | None
    started: str
    wait_s: float
    hearing: str = ""   # what the caller hears now: a source label, "agent" or "recording"
    callback: str | None = None   # a callback (its id): the box calls the number back


@dataclass(frozen=True)
class OverrideView:
    schedule: str
    open: bool
    until: str


@dataclass(frozen=True)
class Snapshot:
    time: str
    lines: tuple[LineView, ...] = ()
    stations: tuple[StationView, ...] = ()
    agents: tuple[AgentView, ...] = ()
    calls: tuple[CallView, ...] = ()
    clock_source: str = ""
    overrides: tuple[OverrideView, ...] = ()   # hours set open/closed by hand, maybe expired
    closed_switch: bool = False    # the front panel's "closed now" switch is on
    events: int = 0    # how many events the core has handled (lets tests wait for progress)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def same_board(self, other: Snapshot) -> bool:
        """Whether a board showing ``other`` still shows this (the time aside)."""
        return (self.lines, self.stations, self.agents, self.calls, self.clock_source,
                self.overrides) == (other.lines, other.stations, other.agents, other.calls,
                                    other.clock_source, other.overrides)

    def line(self, line_id: str) -> LineView:
        return next(v for v in self.lines if v.id == line_id)

    def station(self, station_id: str) -> StationView:
        return next(v for v in self.stations if v.id == station_id)

    def agent(self, agent_id: str) -> AgentView:
        return next(v for v in self.agents if v.id == agent_id)

    def call_on(self, line_id: str) -> CallView | None:
        return next((c for c in self.calls if c.line == line_id), None)


def presence_of(presence: Presence | None) -> str:
    return (presence or Presence.OFFLINE).value
