"""baresip's ctrl_tcp protocol: netstring-framed JSON over a TCP socket on loopback.

Commands go out as ``{"command", "params", "token"}``; baresip answers each with
``{"response": true, "ok", "data", "token"}`` and, unprompted, sends events
``{"event": true, "type", "accountaor", "id", "peeruri", "param", ...}``. ``Control`` sorts the
two (as ``AtChannel._answers`` sorts a modem's results from its URCs): a reply completes the
``Future`` its command returned, an event goes to ``on_event`` on the reader thread. Nothing
here knows what a call means; the drivers above decide that.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_MESSAGE = 1 << 20      # baresip's own limit is far lower; a longer length is garbage


class ProtocolError(Exception):
    """The socket did not carry netstrings of JSON objects."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return b"%d:%s," % (len(body), body)


class Netstrings:
    """Reassembles netstrings from TCP reads, whatever the read boundaries are."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        messages = []
        while (colon := self._buffer.find(b":")) >= 0:
            head = self._buffer[:colon]
            if not head.isdigit() or int(head) > MAX_MESSAGE:
                raise ProtocolError(f"not a netstring length: {head[:20]!r}")
            end = colon + 1 + int(head)
            if len(self._buffer) <= end:
                break
            if self._buffer[end:end + 1] != b",":
                raise ProtocolError("a netstring does not end with ','")
            try:
                message = json.loads(self._buffer[colon + 1:end])
            except ValueError as exc:
                raise ProtocolError(f"not JSON: {exc}") from None
            self._buffer = self._buffer[end + 1:]
            if isinstance(message, dict):
                messages.append(message)
        if len(self._buffer) > MAX_MESSAGE:
            raise ProtocolError("an endless netstring")
        return messages


@dataclass(frozen=True)
class Reply:
    ok: bool
    data: str


@dataclass(frozen=True)
class Event:
    """One baresip event; ``call`` is baresip's call id (empty for non-call events)."""

    type: str
    account: str
    call: str
    peer: str
    param: str
    direction: str

    @classmethod
    def parse(cls, message: dict[str, Any]) -> Event:
        return cls(str(message.get("type", "")), str(message.get("accountaor", "")),
                   str(message.get("id", "")), str(message.get("peeruri", "")),
                   str(message.get("param", "")), str(message.get("direction", "")))


class Control:
    """One connection to a baresip's ctrl_tcp; ``on_lost`` runs (on the reader thread) when
    the connection ends without ``close``."""

    def __init__(self, host: str, port: int, on_event: Callable[[Event], None],
                 on_lost: Callable[[], None] = lambda: None, *, name: str = "baresip") -> None:
        self._socket = socket.create_connection((host, port), timeout=5)
        self._socket.settimeout(None)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._on_event, self._on_lost = on_event, on_lost
        self._pending: dict[str, Future[Reply]] = {}
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._closing = False
        self._reader = threading.Thread(target=self._read, name=f"{name}-ctrl", daemon=True)
        self._reader.start()

    def command(self, command: str, params: str = "") -> Future[Reply]:
        """Send a command now; its reply completes the returned future (never blocks)."""
        token = str(next(self._tokens))
        reply: Future[Reply] = Future()
        with self._lock:
            self._pending[token] = reply
            try:
                self._socket.sendall(encode({"command": command, "params": params,
                                             "token": token}))
            except OSError as exc:
                self._pending.pop(token, None)
                reply.set_exception(exc)
        return reply

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):       # already gone
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        self._reader.join(timeout=2)

    def _read(self) -> None:
        decoder = Netstrings()
        try:
            while data := self._socket.recv(65536):
                self._ack_at_once()
                for message in decoder.feed(data):
                    self._dispatch(message)
        except (OSError, ProtocolError) as exc:
            if not self._closing:
                log.warning("baresip control connection failed: %s", exc)
        finally:
            self._fail_pending()
            if not self._closing:
                self._on_lost()

    def _ack_at_once(self) -> None:
        """baresip writes an event in several small pieces, and Nagle holds each piece until
        the previous one is acknowledged; Linux's delayed ACK would add 40 ms to every event
        (measured by bench/sip.py). Quick ACKs are re-armed after each read (Linux only)."""
        if hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError):
                self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("response"):
            with self._lock:
                reply = self._pending.pop(str(message.get("token")), None)
            if reply is not None:
                reply.set_result(Reply(bool(message.get("ok")), str(message.get("data", ""))))
        elif message.get("event"):
            try:
                self._on_event(Event.parse(message))
            except Exception:
                log.exception("handling baresip event %r failed", message)

    def _fail_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for reply in pending.values():
            if not reply.done():
                reply.set_exception(ConnectionError("baresip's control connection closed"))
