"""baresip as a part of the box: its configuration made from ours, its process supervised.

One baresip process serves every SIP line and phone; each gets an account (``sip:<id>@<the
box's address>``, no registration: the ATA and the phones send their INVITEs straight to the
box). The process is started without a shell, its output logged, and its control socket
connected once it says it is ready. When it dies the supervisor starts it again (with growing
pauses if it keeps dying) and tells ``on_restart``, so the drivers end the calls it took with
it and re-apply their state.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hardware.sentences import Text
from hardware.sip.control import Control, Event, Reply
from hardware.sip.pcm import asoundrc

log = logging.getLogger(__name__)

READY = "baresip is ready."
START_TIMEOUT_S = 5.0
MAX_PAUSE_S = 30.0
EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOOPBACK_PORTS_FROM = 15000          # above the RTP ranges the demo and the tests use
MODULES = ("g711.so", "ausine.so", "aubridge.so", "aufile.so")
APP_MODULES = ("account.so", "menu.so", "ctrl_tcp.so")


class Accounts(Protocol):
    """What a SIP driver uses of the hub that owns baresip: the configuration (for its
    account's address), commands on its account, and leaving."""

    config: BaresipConfig
    failure: str | None          # why baresip is not running, or None

    def command(self, account: str, command: str, params: str = "") -> None: ...
    def forget(self, account: str) -> None: ...


class BaresipFailed(Exception):
    """baresip did not start; the message says what to do."""


@dataclass(frozen=True)
class BaresipConfig:
    listen_host: str                   # the LAN address the owner chose (127.0.0.1 in tests)
    sip_port: int = 5060
    ctrl_port: int = 4444              # always on 127.0.0.1
    rtp_ports: tuple[int, int] = (10000, 10999)
    accounts: tuple[str, ...] = ()     # SIP user parts: line and station ids
    audio_source: str = "aubridge,quiet"   # until the audio path is wired: nothing plays
    audio_player: str = "aubridge,unused"
    module_path: str = "/usr/lib/baresip/modules"
    extra: tuple[str, ...] = ()        # more config lines (tests: a paced tone source)
    pipes: bool = False                # each account's audio through ``hardware.sip.pcm``
    rate: int = 8000                   # of the pipes' audio: the box's audio engine's rate

    def aor(self, user: str) -> str:
        return f"sip:{user}@{self.listen_host}:{self.sip_port}"

    def files(self) -> dict[str, str]:
        """The ``config`` and ``accounts`` files of baresip's configuration directory."""
        lines = [
            "poll_method epoll",
            f"sip_listen {self.listen_host}:{self.sip_port}",
            f"net_interface {self.listen_host}",
            f"rtp_ports {self.rtp_ports[0]}-{self.rtp_ports[1]}",
            f"audio_player {self.audio_player}",
            f"audio_source {self.audio_source}",
            f"audio_alert {self.audio_player}",
            f"module_path {self.module_path}",
            *(f"module {m}" for m in MODULES),
            *(f"module_app {m}" for m in APP_MODULES),
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
            *self.extra,
        ]
        audio = (";audio_source=alsa,sip-{0}-in;audio_player=alsa,sip-{0}-out"
                 if self.pipes else "")
        accounts = [f"<{self.aor(user)}>;regint=0;answermode=manual" + audio.format(user)
                    for user in self.accounts]
        if self.pipes:
            # The pipes' player takes four periods at a time: with baresip's default 20 ms
            # minimum its receive buffer underran a third of the time (8 periods of voice, 4
            # of silence, measured); from 60 ms on, none did.
            lines += ["module alsa.so", "audio_buffer 80-320",
                      f"ausrc_srate {self.rate}", f"auplay_srate {self.rate}",
                      "ausrc_channels 1", "auplay_channels 1"]
        return {"config": "\n".join(lines) + "\n", "accounts": "\n".join(accounts) + "\n"}


def user_of(account: str) -> str:
    """The user part of an account's address (``sip:line-3@192.168.1.10:5060``)."""
    return account.removeprefix("sip:").split("@", 1)[0]


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for UDP and TCP, with the next one free for TCP: baresip's SIP listens on
    UDP and TCP, and its SIP over TLS on the port after (its control is TCP).

    Chosen at random below the kernel's ephemeral range, not by binding port 0: a port from
    that range may meanwhile become the local end of some outgoing connection (a browser
    under test makes many), and baresip, binding it a moment later, would fail to start."""
    first_ephemeral = int(EPHEMERAL.read_text().split()[0]) if EPHEMERAL.exists() else 32768
    while True:
        port = random.randrange(LOOPBACK_PORTS_FROM, first_ephemeral - 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
            try:
                udp.bind((host, port))
                tcp.bind((host, port))
                tls.bind((host, port + 1))
            except OSError:
                continue
            return port


def loopback_config(*accounts: str, rtp: int, **more: object) -> BaresipConfig:
    """A baresip on 127.0.0.1 with free SIP and control ports (the demo and the tests)."""
    sip = free_port()
    while (ctrl := free_port()) in (sip, sip + 1):
        pass
    return BaresipConfig("127.0.0.1", sip_port=sip, ctrl_port=ctrl, rtp_ports=(rtp, rtp + 40),
                         accounts=accounts, **more)  # type: ignore[arg-type]


class Baresip:
    """The supervised process and its control connection."""

    def __init__(self, config: BaresipConfig, directory: Path, *,
                 on_event: Callable[[Event], None],
                 on_restart: Callable[[], None] = lambda: None,
                 executable: str = "baresip", name: str = "baresip") -> None:
        self.config, self.directory = config, directory
        self._on_event, self._on_restart = on_event, on_restart
        self._executable, self._name = executable, name
        self._process: subprocess.Popen[str] | None = None
        self._control: Control | None = None
        self._closing = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        """Write the configuration, start baresip and connect to it (raises BaresipFailed)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in self.config.files().items():
            (self.directory / name).write_text(text)
        if self.config.pipes:
            (self.directory / "alsa").mkdir(exist_ok=True)
            (self.directory / "alsa" / "asoundrc").write_text(
                asoundrc(list(self.config.accounts), self.directory))
        self._spawn()

    def command(self, command: str, params: str = "") -> Future[Reply]:
        control = self._control
        if control is None:
            failed: Future[Reply] = Future()
            failed.set_exception(ConnectionError("baresip is not running"))
            return failed
        return control.command(command, params)

    def close(self) -> None:
        self._closing.set()
        if self._control is not None:
            self._control.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    # -- the process ------------------------------------------------------------------------

    def _spawn(self) -> None:
        try:
            process = subprocess.Popen(  # noqa: S603  (our own arguments, no shell)
                [self._executable, "-f", str(self.directory)], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self._env(),
                start_new_session=True)   # Ctrl+C is ours to handle: we stop it in order
        except OSError as exc:
            raise BaresipFailed(Text("Could not start baresip (%(error)s); install it with "
                                     "'apt install baresip-core'.", error=str(exc))) from exc
        self._process = process
        ready = threading.Event()
        self._watcher = threading.Thread(target=self._watch, args=(process, ready),
                                         name=f"{self._name}-watch", daemon=True)
        self._watcher.start()
        if not ready.wait(START_TIMEOUT_S) or process.poll() is not None:
            process.kill()
            raise BaresipFailed(Text(
                "baresip did not start within %(seconds)g s; its output is in the system log "
                "(port %(port)d or the control port may be in use).", seconds=START_TIMEOUT_S,
                port=self.config.sip_port))
        self._control = Control("127.0.0.1", self.config.ctrl_port, self._on_event,
                                name=self._name)

    def _env(self) -> dict[str, str]:
        """alsa-lib reads ``$XDG_CONFIG_HOME/alsa/asoundrc``: baresip's own ALSA devices."""
        env = {k: v for k, v in os.environ.items() if k != "ALSA_CONFIG_PATH"}
        return env | {"HOME": str(self.directory), "XDG_CONFIG_HOME": str(self.directory)}

    def _watch(self, process: subprocess.Popen[str], ready: threading.Event) -> None:
        """Log what baresip says, note when it is ready, and start it again if it dies."""
        assert process.stdout is not None
        for line in process.stdout:
            log.debug("%s: %s", self._name, line.rstrip())
            if line.strip() == READY:
                ready.set()
        process.stdout.close()
        code = process.wait()
        if self._closing.is_set() or not ready.is_set():
            return
        log.error("baresip exited (code %s); starting it again", code)
        self._restart()

    def _restart(self) -> None:
        """Start baresip again, pausing longer each time it fails, until it runs or we close."""
        if self._control is not None:
            self._control.close()
            self._control = None
        while not self._closing.wait(min(2.0 ** self.restarts - 1, MAX_PAUSE_S)):
            self.restarts += 1
            try:
                self._spawn()
            except BaresipFailed as exc:
                log.error("%s", exc)
                continue
            self._on_restart()
            return
