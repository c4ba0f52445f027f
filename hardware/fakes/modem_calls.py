"""Voice calls in the fake modem: the call table, ringing, dialing, hang-up, DTMF, waiting.

The call table is the single truth: ``AT+CLCC`` prints it, and every state change emits the
dialect's progress URCs (SIMCom ``+CLCC``/``VOICE CALL``, Quectel ``ccinfo``, Huawei
``^ORIG``/``^CONF``/``^CONN``/``^CEND``; reference §3.3, §4.3). What a driver sees when a caller
gives up differs per vendor, which is the bug class this module exists to exercise.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from hardware.modem.dialects import Dialect

from .modem_commands import Handler, args, int_arg
from .modem_core import Core, Reply
from .modem_dialects import number_type
from .modem_io import Timer

DTMF_KEYS = frozenset("0123456789*#ABCD")
DIAL_OUTCOMES = ("answer", "busy", "no_answer", "no_carrier", "never", "no_network")
STATE_NAMES = {0: "active", 2: "dialing", 3: "alerting", 4: "ringing"}
_FAILURES = {"busy": ("BUSY", 17), "no_answer": ("NO ANSWER", 19),
             "no_carrier": ("NO CARRIER", 31), "remote": ("NO CARRIER", 16)}
_DIAL_STRING = re.compile(r"\+?[0-9*#]+")
PHANTOM_DATA_CALL = '+CLCC: 7,0,0,1,0,"",128'   # mode 1: data (seen on a Quectel EG25-G)
_DTMF_GAP_S = 0.02


@dataclass(eq=False)
class Call:
    """One line of ``AT+CLCC``: stat 0 active, 2 dialing, 3 alerting, 4 incoming, 5 waiting."""

    idx: int
    direction: int  # 0 mobile-originated, 1 mobile-terminated
    stat: int
    number: str     # "" when withheld
    with_clip: bool = True
    clip_first: bool = False
    outcome: str = "answer"
    started: float | None = None
    rings: int = 0
    timer: Timer | None = None

    def clcc(self, stat: int | None = None) -> str:
        return (f"+CLCC: {self.idx},{self.direction},{self.stat if stat is None else stat},0,0,"
                f'"{self.number}",{number_type(self.number)}')


class CallControl:
    """Both sides of a call: AT handlers for the driver, methods for the test (the network)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.calls: list[Call] = []
        self.next_dial = "answer"
        self.answer_after_s = 0.2
        self._held: Call | None = None  # ATD whose final code waits for the far end (+COLP)

    def table(self) -> dict[str, Handler]:
        p = self.core.profile
        table: dict[str, Handler] = {
            "A": self._ata, "H": self._hangup, "+CHUP": self._hangup, "D": self._dial,
            "+CLCC": self._clcc, "+VTS": self._vts, "+CHLD": self._chld, "+CCWA": self._ccwa,
        }
        if p.dtmf_enable:
            table[p.dtmf_enable] = self._dtmf_detect
        if p.dialect is Dialect.EC25:
            table["+QHUP"] = self._hangup
        if p.dialect is Dialect.SIM7600:
            table["+CPCMREG"] = self._cpcmreg
        if p.dialect is Dialect.HUAWEI:
            table["^DTMF"] = lambda rest: self._vts("=" + ",".join(args(rest)[1:]))
        return table

    @property
    def call_state(self) -> str:
        primary = self._primary()
        return "idle" if primary is None else STATE_NAMES.get(primary.stat, "active")

    def reset(self) -> None:
        """Power loss: every call vanishes without a word."""
        for call in self.calls:
            if call.timer:
                call.timer.cancel()
        self.calls.clear()
        self._held = None

    # --- the network side -----------------------------------------------------------------

    def ring(self, caller: str, *, clip_before_ring: bool, with_clip: bool) -> None:
        if self.calls:
            self.second_call(caller)
            return
        call = Call(1, 1, 4, caller, with_clip=with_clip, clip_first=clip_before_ring)
        self.calls.append(call)
        self._signal(call)
        self._ring_tick(call)

    def caller_hangs_up(self) -> None:
        primary = self._primary()
        if primary is not None:
            self._end(primary, "missed" if primary.stat == 4 else "remote")

    def press(self, digits: str) -> None:
        """Far-end DTMF: one URC per digit, if the dialect has one and the driver enabled it."""
        bad = set(digits) - DTMF_KEYS
        if bad:
            raise ValueError(f"not DTMF keys: {sorted(bad)}")
        p, primary = self.core.profile, self._primary()
        if primary is None or primary.stat != 0 or p.dtmf_urc is None:
            return
        if p.dtmf_enable and not self.core.settings.dtmf_detect:
            return
        for i, digit in enumerate(digits):
            line = p.dtmf_urc.format(d=digit, code=ord(digit))
            copies = 2 if self.core.rng.random() < self.core.quirks.duplicates else 1
            self.core.later(i * _DTMF_GAP_S, lambda line=line, n=copies: self.core.urc(*[line] * n))

    def second_call(self, caller: str) -> None:
        """Call waiting: presented only if the driver turned it on, else the network says busy."""
        s = self.core.settings
        primary = self._primary()
        if primary is None:
            self.ring(caller, clip_before_ring=False, with_clip=True)
            return
        if primary.stat == 4 or not (s.ccwa_presentation and s.ccwa_enabled) or any(
                c.stat == 5 for c in self.calls):
            self.core.waiting_calls_rejected += 1
            return
        call = Call(self._free_idx(), 1, 5, caller)
        self.calls.append(call)
        self.core.urc(f'+CCWA: "{caller}",{number_type(caller)},1')

    # --- ringing, progress and the end of calls -------------------------------------------

    def _ring_tick(self, call: Call) -> None:
        if call not in self.calls or call.stat != 4:
            return
        q, s = self.core.quirks, self.core.settings
        if call.rings >= q.ring_limit:
            self._end(call, "missed")  # the network gives up: a missed call
            return
        call.rings += 1
        ring = "+CRING: VOICE" if s.crc else "RING"
        lines = [ring, ring] if self.core.rng.random() < q.duplicates else [ring]
        if s.clip and call.with_clip:
            lines.insert(0 if call.clip_first else len(lines), self._clip(call))
        self.core.urc(*lines)
        call.timer = self.core.later(q.ring_interval_s, lambda: self._ring_tick(call))

    def _clip(self, call: Call) -> str:
        if not call.number:
            return '+CLIP: "",128,,,,1'  # withheld by the caller (CLI validity 1)
        return f'+CLIP: "{call.number}",{number_type(call.number)}{self.core.profile.clip_tail}'

    def _alerting(self, call: Call) -> None:
        if call not in self.calls or call.stat != 2:
            return
        call.stat = 3
        self._signal(call)
        if call.outcome != "never":
            wait = max(0.0, self.answer_after_s - self.core.quirks.dial_progress_s)
            call.timer = self.core.later(wait, lambda: self._far_end(call))

    def _far_end(self, call: Call) -> None:
        if call in self.calls:
            if call.outcome == "answer":
                self._activate(call)
            else:
                self._end(call, call.outcome)

    def _activate(self, call: Call) -> None:
        if call.timer:
            call.timer.cancel()
        call.stat, call.started = 0, self.core.now()
        self._signal(call)
        if self._held is call:
            self._held = None
            self.core.final("OK", (f'+COLP: "{call.number}",{number_type(call.number)},"",0,""',))

    def _end(self, call: Call, reason: str) -> None:
        """Remove a call and say so the dialect's way; ``reason`` is local, remote, missed or
        a dial outcome. A held ATD gets the code as its final result instead of a URC."""
        if call.timer:
            call.timer.cancel()
        self.calls.remove(call)
        code, cause = _FAILURES.get(reason, (None, 16))
        if reason == "missed" and self.core.profile.dialect in (Dialect.SIM800, Dialect.EC25):
            code = "NO CARRIER"
        lines = self._end_signals(call, reason, cause)
        hangup_urc = self.core.quirks.hangup_urc
        if hangup_urc is not None and reason == "remote":   # ZTE/Qualcomm; "": nothing at all
            code, lines = None, [hangup_urc.format(idx=call.idx)] if hangup_urc else []
        if self._held is call:
            self._held = None
            self.core.urc(*lines)
            self.core.final(code or "NO CARRIER")
        else:
            self.core.urc(*lines, *([code] if code else []))
        waiting = next((c for c in self.calls if c.stat == 5), None)
        if waiting is not None and self._primary() is None:
            waiting.stat = 4  # the waiting caller now rings normally
            self._ring_tick(waiting)

    def _signal(self, call: Call) -> None:
        """Progress URCs for the call's new state, per dialect and per what the driver enabled."""
        p, s = self.core.profile, self.core.settings
        lines = []
        if p.simcom and s.clcc_urc:
            lines.append(call.clcc())
        if p.dialect is Dialect.EC25 and s.ccinfo:
            lines.append(f'+QIND: "ccinfo",{call.clcc()[7:]}')
        if p.dialect is Dialect.HUAWEI:
            huawei = {2: f"^ORIG:{call.idx},0", 3: f"^CONF:{call.idx}", 0: f"^CONN:{call.idx},0"}
            lines += [huawei[call.stat]] if call.stat in huawei else []
        if p.dialect is Dialect.SIM7600 and call.stat == 0:
            lines.append("VOICE CALL: BEGIN")
        self.core.urc(*lines)

    def _end_signals(self, call: Call, reason: str, cause: int) -> list[str]:
        p, s = self.core.profile, self.core.settings
        duration = int(self.core.now() - call.started) if call.started is not None else 0
        lines = []
        if p.simcom and s.clcc_urc:
            lines.append(call.clcc(6))
        if p.dialect is Dialect.EC25 and s.ccinfo:
            lines.append(f'+QIND: "ccinfo",{call.clcc(-1)[7:]}')
        if p.dialect is Dialect.HUAWEI:
            lines.append(f"^CEND:{call.idx},{duration},29,{cause}")
        if p.dialect is Dialect.SIM7600 and call.started is not None:
            lines.append(f"VOICE CALL: END: {duration:06d}")
        if p.dialect is Dialect.SIM7600 and reason == "missed":
            lines.append(f"MISSED_CALL: {time.strftime('%I:%M%p')} {call.number}")
        return lines

    def _primary(self) -> Call | None:
        return next((c for c in self.calls if c.stat != 5), None)

    def _free_idx(self) -> int:
        used = {c.idx for c in self.calls}
        return next(i for i in range(1, 8) if i not in used)

    # --- AT handlers ------------------------------------------------------------------------

    def _ata(self, rest: str) -> Reply:
        call = next((c for c in self.calls if c.stat == 4), None)
        if call is None:
            return Reply(final="NO CARRIER")
        self.core.later(0.0, lambda: self._activate(call) if call in self.calls else None)
        return Reply()

    def _hangup(self, rest: str) -> Reply:
        """Ends every call, a waiting one too (27.007 +CHUP; Quectel's manual says so)."""
        for call in [c for c in self.calls if c.stat == 5]:
            self.calls.remove(call)
        for call in list(self.calls):
            self._end(call, "local")
        return Reply()

    def _dial(self, rest: str) -> Reply:
        number = rest.strip()
        if not number.endswith(";"):
            return Reply(final="NO CARRIER")  # a data call: not supported here
        number = number.rstrip(";").rstrip("iIgG")
        if not _DIAL_STRING.fullmatch(number):
            return Reply(final="ERROR")
        outcome, self.next_dial = self.next_dial, "answer"
        if outcome == "no_network" or not self.core.registered:
            return Reply(final=self.core.cme(30))
        if self._primary() is not None:
            return Reply(final=self.core.cme(3))
        call = Call(self._free_idx(), 0, 2, number, outcome=outcome)
        self.calls.append(call)
        self.core.later(0.0, lambda: self._signal(call))
        call.timer = self.core.later(self.core.quirks.dial_progress_s, lambda: self._alerting(call))
        if self.core.settings.colp:
            self._held = call
            return Reply(final=None)
        return Reply()

    def _clcc(self, rest: str) -> Reply:
        if rest == "":
            phantom = [PHANTOM_DATA_CALL] if self.core.quirks.phantom_data_call else []
            return Reply([c.clcc() for c in sorted(self.calls, key=lambda c: c.idx)] + phantom)
        if not self.core.profile.simcom:
            return Reply(final="ERROR")
        if rest == "?":
            return Reply([f"+CLCC: {int(self.core.settings.clcc_urc)}"])
        self.core.settings.clcc_urc = int_arg(rest) == 1
        return Reply()

    def _vts(self, rest: str) -> Reply:
        digits = [ch for ch in "".join(args(rest)).upper() if ch in DTMF_KEYS]
        primary = self._primary()
        if primary is None or primary.stat != 0:
            return Reply(final=self.core.cme(3))
        if not digits:
            return Reply(final="ERROR")
        self.core.received_dtmf.extend(digits)
        return Reply(delay=0.01 * len(digits))  # OK once the tone has been played

    def _chld(self, rest: str) -> Reply:
        """0 rejects the waiting call (UDUB), 1 ends the active one, 1<x> ends call x."""
        value = args(rest)[0]
        waiting = next((c for c in self.calls if c.stat == 5), None)
        if value == "0":
            if waiting is not None:
                self.calls.remove(waiting)
                self.core.waiting_calls_rejected += 1
            return Reply()
        if value == "1":
            for call in [c for c in self.calls if c.stat != 5]:
                self._end(call, "local")
            return Reply()
        target = next((c for c in self.calls if value == f"1{c.idx}"), None)
        if target is None:
            return Reply(final=self.core.cme(3))
        self._end(target, "local")
        return Reply()

    def _ccwa(self, rest: str) -> Reply:
        s = self.core.settings
        if rest == "?":
            return Reply([f"+CCWA: {int(s.ccwa_presentation)}"])
        values = args(rest)
        s.ccwa_presentation = values[0] == "1"
        mode = values[1] if len(values) > 1 else ""
        if mode == "2":
            return Reply([f"+CCWA: {int(s.ccwa_enabled)},1"])
        if mode in ("0", "1"):
            s.ccwa_enabled = mode == "1"
        return Reply()

    def _dtmf_detect(self, rest: str) -> Reply:
        name = self.core.profile.dtmf_enable or ""
        if rest == "?":
            return Reply([f"{name}: {int(self.core.settings.dtmf_detect)}"])
        self.core.settings.dtmf_detect = int_arg(rest) == 1
        return Reply()

    def _cpcmreg(self, rest: str) -> Reply:
        """SIM7600 USB audio: only accepted once a call is active (reference §7)."""
        if int_arg(rest) == 1 and self.call_state != "active":
            return Reply(final="ERROR")
        return Reply()
