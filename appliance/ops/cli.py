"""``switchboard``: ``demo`` (simulated office), ``run`` (real hardware), ``doctor`` (checks)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("switchboard")
SD_LISTEN_FDS_START = 3
API_KEY_ENV = "SWITCHBOARD_API_KEY"   # for scripts on a real box (systemd: EnvironmentFile=)
MIN_API_KEY = 12
WEB_THREADS = 10    # up to 6 live boards hold one each (web.board.MAX_STREAMS); pages get the rest


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard", description="Answer an office's phone calls: a simulated office "
        "(demo), the real box (run), checks (doctor), and backups.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log at debug level: every event, and each modem's AT commands and "
                             "answers (for a problem report)")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run a simulated office you can call from the page")
    demo.add_argument("--data", type=Path, default=Path("demo-data"),
                      help="data directory (a sample office is created when it is empty)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--api-key", help="also accept this key in the X-Api-Key header (scripts)")
    demo.add_argument("--line-device", action="append", default=[], metavar="PATH",
                      help="a real modem's serial port for the next sample line (repeatable)")
    run = commands.add_parser("run", help="run the appliance on its real hardware")
    run.add_argument("--config", type=Path, required=True, help="the box's TOML settings")
    doctor = commands.add_parser("doctor", help="check the modems and say what to fix")
    doctor.add_argument("--config", type=Path, help="the appliance's TOML configuration")
    doctor.add_argument("--ring", metavar="STATION",
                        help="also ring this handset (its station id) for one second")
    doctor.add_argument("--device", action="append", default=[], metavar="PATH",
                        help="check this serial port (repeatable); default: the settings' "
                             "modems, else each USB modem's AT port")
    backup = commands.add_parser("backup", help="write config, call history and audio to FILE")
    backup.add_argument("file", type=Path, metavar="FILE", help="the .tar.gz to write")
    backup.add_argument("--data", type=Path, default=Path("/var/lib/switchboard"),
                        help="data directory (default: /var/lib/switchboard)")
    restore = commands.add_parser("restore", help="replace the data with a backup (stop the "
                                                  "appliance first; the old data is kept)")
    restore.add_argument("file", type=Path, metavar="FILE", help="a .tar.gz from `backup`")
    restore.add_argument("--data", type=Path, default=Path("/var/lib/switchboard"),
                         help="data directory (default: /var/lib/switchboard)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # Driver, core and web threads share the GIL; a 1 ms switch interval (default 5 ms) keeps
    # a URC's path to its hardware command well inside the 5 ms budget (bench/modem_latency.py).
    sys.setswitchinterval(0.001)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "doctor":
        from appliance.ops.doctor import run_doctor

        return run_doctor(args.config, args.device, sys.stdout, ring=args.ring)
    if args.command == "run":
        return run_real(args.config)
    if args.command == "backup":
        from appliance.ops.backup import backup_command

        return backup_command(args.file, args.data)
    if args.command == "restore":
        from appliance.ops.backup import restore_command

        return restore_command(args.file, args.data)
    if args.api_key is not None and len(args.api_key) < MIN_API_KEY:
        parser.error(f"--api-key must be at least {MIN_API_KEY} characters")
    return run_demo(args)


def run_demo(args: argparse.Namespace) -> int:
    from appliance.core.clock import SimulatedClock
    from appliance.ops.assembly import build_demo_audio, build_simulated
    from appliance.ops.seed import SAMPLE_OFFICE, SIP_DESK, SIP_LINE, seed_sample_office
    from hardware.fakes.sip import SimulatedSip

    started = time.monotonic()
    clock = SimulatedClock()
    devices = dict(zip(("line-1", "line-2"), args.line_device, strict=False))
    if len(args.line_device) > len(devices):
        print("Only the first two --line-device options are used (the sample has two lines).")
    sip = SimulatedSip(args.data / "sip", [SIP_LINE], [SIP_DESK])
    audio, library = build_demo_audio(
        args.data, clock, [d["id"] for d in SAMPLE_OFFICE["lines"]] + [SIP_LINE],
        [d["id"] for d in SAMPLE_OFFICE["stations"]] + [SIP_DESK], sip=sip)
    if sip.hub.failure:
        print(f"The analog line ({SIP_LINE}) and the SIP desk ({SIP_DESK}) are out of service: "
              f"{sip.hub.failure}")
    appliance = build_simulated(args.data, clock, modems=True, line_devices=devices,
                                audio=audio, library=library, sip=sip)
    if appliance.store.is_empty():
        seed_sample_office(appliance.store, sip=True)
        print(f"Created a sample office in {args.data}/")
    _open_the_office(appliance, clock)
    return _serve(appliance, args.host, args.port, args.api_key, started)


def run_real(config: Path) -> int:
    from appliance.ops.assembly import build_real
    from appliance.ops.settings import SettingsError, load_settings

    started = time.monotonic()
    try:
        settings = load_settings(config)
    except SettingsError as exc:
        print(f"Cannot start: {config} has mistakes:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    api_key = os.environ.get(API_KEY_ENV) or None
    if api_key is not None and len(api_key) < MIN_API_KEY:
        print(f"Cannot start: {API_KEY_ENV} must be at least {MIN_API_KEY} characters.",
              file=sys.stderr)
        return 2
    appliance = build_real(settings)
    return _serve(appliance, settings.host, settings.port, api_key, started)


def first_visit(has_password: bool) -> str:
    """What the start-up message says about logging in: a fresh box asks for a password."""
    if has_password:
        return "Open it in a browser and log in with the owner's password."
    return "Open it in a browser: the first visit asks you to choose the owner's password."


def _serve(appliance: Any, host: str, port: int, api_key: str | None, started: float) -> int:
    """Start the core and the web page; stop both cleanly on Ctrl+C or SIGTERM."""
    from waitress.server import create_server

    from appliance.ops.archive import PASSWORD_SETTING
    from appliance.ops.watchdog import SystemdNotifier
    from web import create_app, end_streams

    notifier = SystemdNotifier()
    appliance.start(heartbeat=notifier.watchdog, heartbeat_s=notifier.watchdog_interval_s)
    appliance.engine.settle()   # lines and desks exist before the first page is served
    app = create_app(appliance.api, api_key=api_key, **appliance.web_extras())
    inherited = systemd_socket()
    if inherited is not None:
        server = create_server(app, sockets=[inherited], threads=WEB_THREADS)
        host, port = inherited.getsockname()[:2]
        host = socket.gethostname() + ".local" if host in ("::", "0.0.0.0") else host  # noqa: S104
    else:
        try:
            server = create_server(app, host=host, port=port, threads=WEB_THREADS)
        except OSError as exc:
            appliance.close()
            print(f"Cannot start: {host}:{port} cannot be used ({exc.strerror}). Another "
                  f"Switchboard (or another program) may be listening there: stop it, or "
                  f"choose another port with --port.", file=sys.stderr)
            return 2
        port = server.effective_port
    web = threading.Thread(target=server.run, name="web", daemon=True)
    web.start()
    print(f"Switchboard running at http://{host}:{port}/  "
          f"(started in {time.monotonic() - started:.1f} s)")
    print(first_visit(appliance.api.admin.setting(PASSWORD_SETTING) is not None)
          + (" Scripts may send the header X-Api-Key." if api_key else ""))
    print("Press Ctrl+C to stop.", flush=True)
    notifier.ready()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("Stopping…")
    notifier.stopping()
    end_streams(app)     # open live boards end their event streams first
    close_server(server)
    web.join(timeout=5)
    appliance.close()
    return 0


def close_server(server: Any) -> None:
    """Stop waitress for good. Its own ``close`` stops listening but leaves the workers and the
    open connections (a browser keeps one alive) running, and closing sockets from here would
    pull them from under its loop; so the workers finish first, then the loop closes
    everything itself (``pull_trigger`` runs the thunk on the loop's thread) and ends."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown(timeout=2)
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:     # the trigger is closed: the loop has ended and closed everything
        log.info("the web server had already stopped")


def systemd_socket(environ: dict[str, str] | None = None) -> socket.socket | None:
    """The listening socket systemd passed us (switchboard.socket binds port 80 for us, so the
    service needs no capability), or None when started by hand (sd_listen_fds(3) protocol)."""
    env = os.environ if environ is None else environ
    if env.get("LISTEN_PID") != str(os.getpid()) or env.get("LISTEN_FDS") != "1":
        return None
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):   # not for espeak-ng or sox
        env.pop(name, None)
    os.set_inheritable(SD_LISTEN_FDS_START, False)
    return socket.socket(fileno=SD_LISTEN_FDS_START)


def _open_the_office(appliance: Any, clock: Any) -> None:
    """If the sample office is closed right now, move the simulated clock to its next opening.

    A newcomer trying the demo on a Saturday night should still see a call reach a desk; the
    page and POST /api/sim/clock can set any other time.
    """
    from appliance.policy.schedule import next_open

    schedule = appliance.store.config().schedules.get("office-hours")
    if schedule is None:
        return
    now = clock.now()
    opening = next_open(schedule, now)
    if opening is not None and opening.timestamp() > now.timestamp():
        clock.set_now((opening + timedelta(minutes=30)).astimezone(UTC))
        print(f"The office is closed now; the simulated clock starts at "
              f"{clock.now().astimezone(opening.tzinfo):%A %d %B %H:%M} so calls are answered.")


if __name__ == "__main__":
    sys.exit(main())
