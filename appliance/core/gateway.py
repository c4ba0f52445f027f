"""Gateway mode on the core thread: a line's caller handed to the office's SIP PBX.

When a line's entry, a menu option or fallback, or a team's overflow names ``{"sip": uri}``,
the box (having answered, checked the hours and run the menu as for any call) dials ``uri``
on the line's leg to the PBX while the caller hears the waiting tone. When the PBX answers,
the caller is bridged to it; the call is then the PBX's until either side hangs up, and it is
recorded as answered (reason ``forwarded``). A PBX that refuses, cannot be reached or does not
answer in ``ANSWER_S`` is told to the caller as "we cannot take your call" and recorded failed.
The PBX calling out through a line is refused by the driver (rule 4: no outbound calls).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from hardware import events as ev
from hardware.audio.sources import Tone
from hardware.interfaces import line_port, trunk_port

from .state import Call, CallState, CallTimer, Outcome, Phase

if TYPE_CHECKING:
    from appliance.core.office import Office

log = logging.getLogger(__name__)

ANSWER_S = 30
PBX = "pbx"            # CallView.hearing while the PBX has the caller


class Flow(Protocol):
    """What the gateway uses of ``CallFlow`` (which owns it)."""

    def stop_audio(self, call: Call) -> None: ...
    def cannot_take(self, call: Call, reason: str) -> None: ...
    def finish(self, call: Call, outcome: Outcome, reason: str) -> None: ...


class Gateway:
    def __init__(self, office: Office, flow: Flow) -> None:
        self.office, self.flow = office, flow

    def hand_over(self, call: Call, uri: str) -> None:
        """Dial the PBX for ``call``; the caller waits with the soft tone meanwhile."""
        driver = self.office.trunk_drivers.get(call.line)
        if driver is None:
            log.warning("call %s: line %s has no way to the PBX ([sip] gateway is off)",
                        call.id, call.line)
            self.flow.cannot_take(call, "no_gateway")
            return
        call.state, call.phase, call.forward_to = CallState.FORWARDING, Phase.WAITING, uri
        call.hangup_outcome = Outcome.ABANDONED
        self.office.note(call, "forwarding", uri)
        self.flow.stop_audio(call)
        call.hearing = str(Tone.HOLD)
        self.office.audio.play(line_port(call.line), Tone.HOLD, loop=True)
        self.office.call_timer(call, CallTimer.FORWARD, ANSWER_S,
                               lambda: self._no_answer(call))
        driver.dial(uri)

    def answered(self, e: ev.TrunkAnswered) -> None:
        call = self.office.call_on(e.line)
        if call is None or call.state is not CallState.FORWARDING:
            self._let_go(e.line)               # the caller left meanwhile
            return
        call.cancel_timer(CallTimer.FORWARD)
        self.flow.stop_audio(call)
        call.state, call.phase, call.hearing = CallState.CONNECTED, Phase.TALKING, PBX
        call.answered_mono = self.office.clock.monotonic()
        call.hangup_outcome = Outcome.ANSWERED
        self.office.note(call, "forwarded", call.forward_to or "")
        self.office.audio.bridge(line_port(call.line), trunk_port(call.line))

    def ended(self, e: ev.TrunkEnded) -> None:
        call = self.office.call_on(e.line)
        if call is None or call.forward_to is None:
            return
        if call.state is CallState.CONNECTED:
            self.flow.finish(call, Outcome.ANSWERED, "forwarded")   # end() unbridges
        else:
            log.info("call %s: the PBX did not take it (%s)", call.id, e.reason or "no reason")
            self.office.note(call, "pbx_refused", e.reason)
            self._give_up(call, "pbx_refused")

    def end(self, call: Call) -> bool:
        """The call is ending on our side: let go of the PBX's leg too. True if the PBX had
        the caller (the call is then recorded as forwarded, whoever hung up)."""
        if call.forward_to is None:
            return False
        call.forward_to = None
        took_it = call.state is CallState.CONNECTED
        if took_it:
            self.office.audio.unbridge(line_port(call.line), trunk_port(call.line))
        self._let_go(call.line)
        return took_it

    def _no_answer(self, call: Call) -> None:
        call.timers.pop(CallTimer.FORWARD, None)
        if call.id in self.office.calls and call.state is CallState.FORWARDING:
            self._give_up(call, "pbx_no_answer")

    def _give_up(self, call: Call, reason: str) -> None:
        call.cancel_timer(CallTimer.FORWARD)
        self.end(call)
        self.flow.cannot_take(call, reason)

    def _let_go(self, line_id: str) -> None:
        driver = self.office.trunk_drivers.get(line_id)
        if driver is not None:
            driver.hang_up()
