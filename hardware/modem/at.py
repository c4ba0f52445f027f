"""The AT protocol: frame lines, match each command to its response, route everything else.

One command is in flight at a time. A line counts toward that command only if it is its echo,
a final result code, or an information line of the shape the command answers with: a prefix
(``+CSQ:``), or a test of the whole line (``answers.imei``, ``answers.pdu``...) for commands
that answer without one. Every other line — ``RING`` in the middle of an ``AT+CSQ`` answer,
``+CMTI`` between the SMS prompt and ``OK``, a vendor status line nobody has listed — is an
unsolicited result code and goes to ``on_urc`` at once, in arrival order. Deciding by the
answer's shape rather than by a list of known URCs is what keeps an unknown vendor line out of
an answer (python-gsmmodem got this wrong, faucamp #29; chan_dongle and ModemManager match by
shape too).

A few modems end some answers without a final result code (Wavecom: ``+CPIN: READY`` and no
``OK``); ``final_optional`` accepts such an answer once its line has come and nothing follows.

``feed`` runs on the transport's reader thread; ``command`` blocks its caller (the modem's
worker thread) until the answer, an error or the timeout.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

SUCCESS = ("OK", "CONNECT")
FAILURES = ("ERROR", "COMMAND NOT SUPPORT", "NA")
ERROR_RE = re.compile(r"^(?:\+CME|\+CMS|MODEM) ERROR:\s*(.*)$")
CALL_FINALS = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
TWO_LINE_URCS = ("+CMT:", "+CDS:", "+CBM:")
CTRL_Z, ESC = b"\x1a", b"\x1b"
FINAL_GRACE_S = 1.0     # real modems send OK with the line; Wavecom sends nothing at all


class AtTimeout(Exception):
    """The modem did not finish answering a command in time."""


class AtAborted(AtTimeout):
    """The command in flight was abandoned: the port was lost or the modem restarted."""


@dataclass
class AtResult:
    command: str
    ok: bool
    final: str
    lines: list[str] = field(default_factory=list)
    error: str | None = None       # the CME/CMS code or text, when there was one

    def first(self, prefix: str) -> str | None:
        """The payload of the first line starting with ``prefix`` (prefix removed)."""
        return next((ln[len(prefix):].strip() for ln in self.lines if ln.startswith(prefix)),
                    None)


@dataclass
class _Pending:
    command: str
    expect: tuple[str, ...]
    shape: Callable[[str], bool] | None
    call_finals: bool
    body: str | None = None
    aborted: str = ""
    lines: list[str] = field(default_factory=list)
    prompt: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)  # a line, or done
    result: AtResult | None = None


class AtChannel:
    """Framing and matching only; the GSM layer gives lines their meaning."""

    def __init__(self, write: Callable[[bytes], None], on_urc: Callable[[str], None], *,
                 timeout: float = 5.0, final_grace: float = FINAL_GRACE_S) -> None:
        self.timeout = timeout
        self.final_grace = final_grace
        self._write = write
        self._on_urc = on_urc
        self._buffer = b""
        self._pending: _Pending | None = None
        self._lock = threading.Lock()            # guards _pending between the two threads
        self._busy = threading.Lock()            # one command in flight
        self._urc_head: str | None = None        # first line of a two-line URC
        self.echo_seen = False                   # set when the modem echoes a command

    # -- commands (worker thread) -------------------------------------------------------------

    def command(self, command: str, *, expect: tuple[str, ...] = (),
                shape: Callable[[str], bool] | None = None, timeout: float | None = None,
                call_finals: bool = False, final_optional: bool = False,
                body: bytes | None = None, body_timeout: float = 60.0) -> AtResult:
        """Send ``command`` and wait for its final result code.

        ``expect``: prefixes of the information lines it answers with; ``shape``: a test for
        its other lines (those without such a prefix); ``call_finals``: NO CARRIER/BUSY/...
        end it (ATD, ATA); ``final_optional``: an answer line with no final result code after
        it is the whole answer; ``body``: wait for the ``> `` prompt, then send ``body`` and
        Ctrl-Z (SMS).
        """
        timeout = self.timeout if timeout is None else timeout
        with self._busy:
            pending = _Pending(command, expect, shape, call_finals,
                               body.decode("ascii", "replace") if body else None)
            with self._lock:
                self._pending = pending
            try:
                log.debug("AT> %s", command)
                self._write(command.encode("ascii") + b"\r")
                if body is not None:
                    if not pending.prompt.wait(timeout):
                        self._write(ESC)
                        raise AtTimeout(f"no '> ' prompt after {command}")
                    self._write(body + CTRL_Z)
                    timeout = body_timeout
                if final_optional:
                    self._await_line(pending, timeout)
                elif not pending.done.wait(timeout):
                    raise AtTimeout(f"no answer to {command} within {timeout:g} s")
                if pending.aborted:
                    raise AtAborted(pending.aborted)
                assert pending.result is not None
                return pending.result
            finally:
                with self._lock:
                    self._pending = None

    def _await_line(self, pending: _Pending, timeout: float) -> None:
        """Wait for the answer; once its line is in, a missing final result code is forgiven."""
        if not pending.answered.wait(timeout):
            raise AtTimeout(f"no answer to {pending.command} within {timeout:g} s")
        if not pending.done.wait(self.final_grace):
            log.debug("%s: answer without a final result code", pending.command)
            pending.result = AtResult(pending.command, True, "", list(pending.lines))
            pending.done.set()

    def abort(self, reason: str = "the port was closed") -> None:
        """Fail the command in flight at once (the port was lost or the modem rebooted)."""
        with self._lock:
            pending = self._pending
        if pending is not None:
            pending.aborted = reason
            pending.done.set()
            pending.answered.set()
        self._buffer = b""
        self._urc_head = None

    # -- bytes in (reader thread) ---------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self._buffer += data.replace(b"\x00", b"")
        while True:
            self._check_prompt()
            match = re.search(rb"[\r\n]", self._buffer)
            if match is None:
                return
            raw, self._buffer = self._buffer[:match.start()], self._buffer[match.end():]
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                self._line(line)

    def _check_prompt(self) -> None:
        """The SMS prompt is ``\\r\\n> `` with no line end: match it on the raw bytes."""
        with self._lock:
            pending = self._pending
        if pending is None or pending.prompt.is_set():
            return
        if self._buffer.lstrip(b"\r\n").startswith(b">"):
            self._buffer = self._buffer.lstrip(b"\r\n")[1:].lstrip(b" ")
            pending.prompt.set()

    def _line(self, line: str) -> None:
        log.debug("AT< %s", line)
        if self._urc_head is not None:           # the body of +CMT: and friends
            head, self._urc_head = self._urc_head, None
            self._on_urc(f"{head}\n{line}")
            return
        with self._lock:
            pending = self._pending
        if pending is not None and self._answers(pending, line):
            return
        if line.startswith(TWO_LINE_URCS):
            self._urc_head = line
            return
        self._on_urc(line)

    def _answers(self, pending: _Pending, line: str) -> bool:
        """Whether ``line`` belongs to the command in flight (and record it if so)."""
        if line == pending.command or (pending.body and line.rstrip("\x1a") == pending.body):
            self.echo_seen = True
            return True                                   # echo of the command or SMS body
        final = self._final(pending, line)
        if final is not None:
            pending.result = final
            pending.done.set()
            pending.answered.set()
            return True
        if (pending.expect and line.startswith(pending.expect)) or \
                (pending.shape is not None and pending.shape(line)):
            pending.lines.append(line)
            pending.answered.set()
            return True
        return False

    def _final(self, pending: _Pending, line: str) -> AtResult | None:
        cmd, lines = pending.command, pending.lines
        if line in SUCCESS or line.startswith("CONNECT "):
            return AtResult(cmd, True, line, lines)
        if line in FAILURES:
            return AtResult(cmd, False, line, lines)
        error = ERROR_RE.match(line)
        if error:
            return AtResult(cmd, False, line, lines, error=error.group(1).strip())
        if pending.call_finals and line in CALL_FINALS:
            return AtResult(cmd, False, line, lines)
        return None
