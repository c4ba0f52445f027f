"""What staff do from a desk handset besides answering and hanging up, on the core thread.

* A hook flash during a call puts the caller on hold (they hear the team's hold audio, the
  handset hears nothing) and a second flash brings them back.
* A handset lifted with no call hears the country's dial tone until a key is pressed.
* Feature codes dialled on a lifted idle handset: ``*1`` available, ``*2`` away, ``*0`` (call
  back the last caller) is refused with three low beeps, as is any code the box does not know:
  the box calls out only to a caller who asked for it (a callback, with their consent), and a
  caller who just spoke to the agent gave none.

``read_code`` is pure: the digits so far → a code, "not yet", or "no such code".
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING

from appliance.config.model import Presence
from appliance.core.calls import hold_source
from appliance.core.state import Call, CallState
from hardware import events as ev
from hardware.audio.sources import Tone
from hardware.interfaces import line_port, station_port

if TYPE_CHECKING:
    from appliance.core.office import Office

log = logging.getLogger(__name__)


class FeatureCode(Enum):
    AVAILABLE = "*1"
    AWAY = "*2"
    CALL_BACK = "*0"


PRESENCE = {FeatureCode.AVAILABLE: Presence.AVAILABLE, FeatureCode.AWAY: Presence.AWAY}


def read_code(digits: str) -> FeatureCode | bool:
    """The code ``digits`` make; True while they may still become one; False if never."""
    for code in FeatureCode:
        if digits == code.value:
            return code
    return any(code.value.startswith(digits) for code in FeatureCode)


class Desk:
    def __init__(self, office: Office) -> None:
        self.office = office

    def flash(self, e: ev.HookFlash) -> None:
        station = self.office.stations.get(e.station)
        call = self.office.calls.get(station.call or "") if station is not None else None
        if call is None or call.state is not CallState.CONNECTED:
            log.info("station %s flashed with no call to hold", e.station)
            return
        if call.held:
            self._resume(call, e.station)
        else:
            self._hold(call, e.station)

    def hook(self, e: ev.HookChanged) -> None:
        """After the call flow: a handset lifted with no call hears dial tone; one put down
        hears nothing (dial or busy tone stop)."""
        station = self.office.stations.get(e.station)
        if station is None or not station.handset:
            return
        port = station_port(e.station)
        if not e.off_hook:
            self.office.audio.stop(port)
            self.office.audio.listen_keys(port, False)
        elif station.call is None and station.ringing_for is None:
            self.office.audio.play(port, Tone.DIAL, loop=True)
            self.office.audio.listen_keys(port, True)

    def key_heard(self, e: ev.KeyHeard) -> None:
        """A key the audio engine heard on a handset's microphone: dialled on that handset."""
        if e.port.startswith("station:"):
            self.digit(ev.DigitDialled(e.port.removeprefix("station:"), e.key))

    def digit(self, e: ev.DigitDialled) -> None:
        station = self.office.stations.get(e.station)
        if station is None or station.call is not None or not station.off_hook:
            return
        if not station.dialled:
            self.office.audio.stop(station_port(e.station))      # dial tone ends at a key
        station.dialled += e.digit
        code = read_code(station.dialled)
        if code is True:
            return
        station.dialled = ""
        agent = self.office.config.agent_at_station(e.station)
        if isinstance(code, FeatureCode) and code in PRESENCE and agent is not None:
            presence = PRESENCE[code]
            log.info("agent %s set %s from the handset (%s)", agent.id, presence.value,
                     code.value)
            self.office.presence[agent.id] = presence
            self.office.persist_presence(agent.id, presence)
            self.office.audio.play(station_port(e.station), Tone.BEEP)
        else:
            log.info("station %s dialled %s: refused", e.station,
                     code.value if isinstance(code, FeatureCode) else "an unknown code")
            self.office.audio.play(station_port(e.station), Tone.REFUSED)

    def _hold(self, call: Call, station_id: str) -> None:
        line = line_port(call.line)
        self.office.audio.unbridge(line, station_port(station_id))
        team = self.office.config.teams.get(call.team or "")
        source = hold_source(team) if team is not None else Tone.HOLD
        call.held, call.hearing = True, str(source)
        self.office.audio.play(line, source, loop=True)
        self.office.note(call, "held", station_id)

    def _resume(self, call: Call, station_id: str) -> None:
        line = line_port(call.line)
        self.office.audio.stop(line)
        self.office.audio.bridge(line, station_port(station_id))
        call.held, call.hearing = False, "agent"
        self.office.note(call, "resumed", station_id)
