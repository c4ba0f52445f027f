"""Command-line parsing and the general (non-call, non-SMS) AT commands of the fake modem.

Parsing follows V.250 closely enough that real init strings work: basic commands can be
run together (``ATE0V1``), extended ones chained with ``;``, and the first failure ends the
line with a single error (reference §1.1). Handlers take the text after the command name
(``"=1,1"``, ``"?"``, ``""``) and return a :class:`Reply`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from hardware.modem.dialects import Dialect

from .modem_core import PUK, Core, Reply
from .modem_dialects import Settings

Handler = Callable[[str], Reply]

_EXTENDED = re.compile(r"[+^$%][A-Za-z][A-Za-z0-9]*")
_BASIC = re.compile(r"(&[A-Za-z]|S\d+|[A-Za-z])(\?|=\d*|\d*)", re.IGNORECASE)
_NOOP_BASIC = ("V", "Q", "X", "L", "M", "&C", "&D", "&W", "S")


def split_commands(body: str) -> list[tuple[str, str]] | None:
    """``"E0V1+CMEE=1;+CLIP=1"`` -> [("E","0"), ("V","1"), ("+CMEE","=1"), ("+CLIP","=1")];
    None for a syntax error. ``D`` takes the rest of the line, ``;`` included."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in "; ":
            i += 1
        elif ch.upper() == "D":
            out.append(("D", body[i + 1:]))
            break
        elif ch in "+^$%":
            match = _EXTENDED.match(body, i)
            if match is None:
                return None
            end = _extended_end(body, match.end())
            out.append((match.group().upper(), body[match.end():end]))
            i = end + 1
        else:
            match = _BASIC.match(body, i)
            if match is None:
                return None
            name = match.group(1).upper()
            out.append(("S" if name.startswith("S") else name, match.group(2)))
            i = match.end()
    return out


def _extended_end(body: str, start: int) -> int:
    """Index of the ``;`` ending an extended command (not one inside quotes), or the end."""
    quoted = False
    for i in range(start, len(body)):
        if body[i] == '"':
            quoted = not quoted
        elif body[i] == ";" and not quoted:
            return i
    return len(body)


def args(rest: str) -> list[str]:
    """``'=1,"SM",,2'`` -> ["1", "SM", "", "2"] (quotes removed, commas inside kept)."""
    text = rest[1:] if rest.startswith("=") else rest
    fields, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    fields.append("".join(current).strip())
    return fields


def int_arg(rest: str, index: int = 0, default: int | None = None) -> int | None:
    """An integer parameter, ``default`` when absent, None when malformed."""
    values = args(rest)
    if index >= len(values) or values[index] == "":
        return default
    try:
        return int(values[index])
    except ValueError:
        return None


class Interpreter:
    """Runs a command line against a table of handlers; unknown names get the dialect's word."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.table: dict[str, Handler] = {}

    def run(self, body: str) -> Reply:
        commands = split_commands(body)
        if commands is None:
            return Reply(final="ERROR")
        if not commands:
            return Reply()
        lines: list[str] = []
        for i, (name, rest) in enumerate(commands):
            handler = self.table.get(name)
            if handler is None:
                return Reply(final=self.core.profile.unknown)
            try:
                reply = handler(rest)
            except (ValueError, IndexError) as exc:  # malformed parameters the parser let by
                self.core.fault(exc)
                return Reply(final="ERROR")
            if reply.final != "OK" or reply.prompt or i == len(commands) - 1:
                if reply.final not in ("OK", None) and not reply.prompt:
                    return Reply(final=reply.final)  # a failed line prints only the error
                return Reply(lines + reply.lines, reply.final, reply.delay, reply.prompt)
            lines += reply.lines
        return Reply(lines)


class BasicCommands:
    """Identification, echo and error mode, SIM PIN, registration, signal, clock, reboot."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def table(self) -> dict[str, Handler]:
        c = self.core
        p = c.profile
        table: dict[str, Handler] = {
            "E": self._echo, "Z": self._reset, "&F": self._reset, "I": self._ati,
            "+CMEE": self._cmee, "+CPIN": self._cpin, "+CIMI": self._cimi,
            "+CREG": lambda rest: self._reg(rest, "creg"), "+COPS": self._cops,
            "+CSQ": self._csq, "+CFUN": self._cfun, "+CCLK": self._cclk,
            "+CLIP": lambda rest: self._flag(rest, "clip"),
            "+CRC": lambda rest: self._flag(rest, "crc"),
            "+COLP": lambda rest: self._flag(rest, "colp"),
            "+CVHU": lambda rest: Reply(),
            "+CEER": lambda rest: Reply(["+CEER: Normal call clearing"]),
        }
        for names, value in ((("+CGMI", "+GMI"), p.manufacturer), (("+CGMM", "+GMM"), p.model),
                             (("+CGMR", "+GMR"), p.revision), (("+CGSN", "+GSN"), c.device.imei)):
            for name in names:
                table[name] = lambda rest, value=value: Reply([value])
        for name, prefix in p.iccid_answers.items():
            table[name] = lambda rest, prefix=prefix: self._iccid(prefix)
        if p.lte:
            table["+CEREG"] = lambda rest: self._reg(rest, "cereg")
        if p.simcom:
            table["+AUTOCSQ"] = lambda rest: self._set(csq_urc=int_arg(rest) == 1)
        if p.dialect is Dialect.EC25:
            table["+QINDCFG"] = self._qindcfg
            table["+QURCCFG"] = lambda rest: Reply(['+QURCCFG: "urcport","usbat"']
                                                   if rest.startswith("=") and len(args(rest)) == 1
                                                   else [])
        for name in (*_NOOP_BASIC, *p.accepts):
            table[name] = lambda rest: Reply()
        if p.dialect is Dialect.HUAWEI:  # voice-enabled firmware (reference §2.4)
            table["^CVOICE"] = lambda rest: Reply(["^CVOICE:0,8000,16,20"] if rest == "?" else [])
        return table

    # --- handlers ---------------------------------------------------------------------------

    def _set(self, **changes: object) -> Reply:
        for key, value in changes.items():
            setattr(self.core.settings, key, value)
        return Reply()

    def _echo(self, rest: str) -> Reply:
        if rest not in ("", "0", "1"):
            return Reply(final="ERROR")
        return self._set(echo=rest == "1")

    def _reset(self, rest: str) -> Reply:
        """ATZ / AT&F: echo and error mode back to power-up values (reference §1.2)."""
        self.core.settings = Settings()
        return Reply()

    def _ati(self, rest: str) -> Reply:
        return Reply([line.format(imei=self.core.device.imei) for line in self.core.profile.ati])

    def _flag(self, rest: str, name: str) -> Reply:
        if rest == "?":
            return Reply([f"+{name.upper()}: {int(getattr(self.core.settings, name))},1"])
        if rest == "=?":
            return Reply([f"+{name.upper()}: (0,1)"])
        value = int_arg(rest)
        if value not in (0, 1):
            return Reply(final="ERROR")
        return self._set(**{name: value == 1})

    def _cmee(self, rest: str) -> Reply:
        if rest == "?":
            return Reply([f"+CMEE: {self.core.settings.cmee}"])
        if rest == "=?":
            return Reply(["+CMEE: (0-2)"])
        value = int_arg(rest, default=0)
        if value not in (0, 1, 2):
            return Reply(final="ERROR")
        return self._set(cmee=value)

    def _iccid(self, prefix: str) -> Reply:
        code = self.core.sim_error()
        if code in (10, 14):
            return Reply(final=self.core.cme(code))
        return Reply([prefix + self.core.device.iccid])

    def _cimi(self, rest: str) -> Reply:
        code = self.core.sim_error()
        if code is not None:
            return Reply(final=self.core.cme(code))
        return Reply(["21407" + self.core.device.iccid[-10:]])

    def _cpin(self, rest: str) -> Reply:
        c = self.core
        if c.sim.state == "NOT INSERTED":
            return Reply(final=c.cme(10))
        if rest == "?":
            if c.sim_busy():
                return Reply(final=c.cme(14))
            state = c.quirks.sim_lock or c.sim.state
            shown = f'"{state}"' if c.quirks.cpin_quoted and state != "READY" else state
            return Reply([f"+CPIN: {shown}"], None if c.quirks.cpin_without_ok else "OK")
        values = args(rest)
        if c.sim.state == "READY" or not rest.startswith("="):
            return Reply(final=c.cme(3))
        if c.sim.state == "SIM PIN" and values[0] == c.sim.pin:
            return self._sim_unlocked()
        if c.sim.state == "SIM PUK" and len(values) == 2 and values[0] == PUK and values[1]:
            c.sim.pin = values[1]
            return self._sim_unlocked()
        c.sim.attempts -= 1
        if c.sim.state == "SIM PIN" and c.sim.attempts <= 0:
            c.sim.state = "SIM PUK"
            c.sim.attempts = 10
        return Reply(final=c.cme(16))

    def _sim_unlocked(self) -> Reply:
        """The SIM then reads its files: busy again for a while, then the ready URCs."""
        c = self.core
        c.sim.state, c.sim.attempts = "READY", 3
        c.booted_at = c.now()
        c.later(0.05, lambda: c.urc_series(["+CPIN: READY", *c.sim_ready_lines()]))
        return Reply()

    def _reg(self, rest: str, name: str) -> Reply:
        prefix = "+" + name.upper()
        current = getattr(self.core.settings, name)
        if rest == "?":
            fields = self.core.registration_fields(current)
            return Reply([f"{prefix}: {current},{fields}"])
        if rest == "=?":
            return Reply([f"{prefix}: (0-2)"])
        value = int_arg(rest, default=0)
        if value not in (0, 1, 2):
            return Reply(final="ERROR")
        return self._set(**{name: value})

    def _cops(self, rest: str) -> Reply:
        c = self.core
        if rest == "?":
            if not c.registered:
                return Reply(["+COPS: 0"])
            name = c.device.operator + ("\udcff" if c.quirks.garbage else "")
            return Reply([f'+COPS: 0,0,"{name}",{c.profile.act}'])
        if rest == "=?":
            return Reply([f'+COPS: (2,"{c.device.operator}","{c.device.operator}","21407",'
                          f'{c.profile.act}),,(0-4),(0-2)'])
        return Reply()

    def _csq(self, rest: str) -> Reply:
        rssi = self.core.device.rssi if self.core.registered else 99
        return Reply([f"+CSQ: {rssi},99"])

    def _cfun(self, rest: str) -> Reply:
        if rest == "?":
            return Reply(["+CFUN: 1"])
        if int_arg(rest, 1) == 1:
            self.core.later(0.0, self.core.reboot)  # after the OK has gone out
        return Reply()

    def _cclk(self, rest: str) -> Reply:
        """Network time in local time with the zone in quarter hours (``+04`` = UTC+1)."""
        now = time.localtime()
        quarters = now.tm_gmtoff // 900
        stamp = time.strftime("%y/%m/%d,%H:%M:%S", now)
        zone = f"{quarters:+03d}" if self.core.quirks.cclk_zone else ""
        return Reply([f'+CCLK: "{stamp}{zone}"'])

    def _qindcfg(self, rest: str) -> Reply:
        values = args(rest)
        if rest == "?" or len(values) < 2:
            return Reply([f'+QINDCFG: "ccinfo",{int(self.core.settings.ccinfo)}',
                          f'+QINDCFG: "csq",{int(self.core.settings.csq_urc)}'])
        on = values[1] == "1"
        if values[0].lower() == "ccinfo":
            return self._set(ccinfo=on)
        if values[0].lower() == "csq":
            return self._set(csq_urc=on)
        return Reply()
