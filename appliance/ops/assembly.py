"""The composition root: build store, history, hardware, core and API, start and stop in order.

Real or simulated hardware is chosen here, once; nothing below this module decides it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.api import ApplianceApi
from appliance.config.model import Presence
from appliance.config.store import ConfigStore
from appliance.core.engine import Engine
from appliance.ops.backup import apply_pending_restore, restored_note
from appliance.records.history import History

log = logging.getLogger(__name__)


@dataclass
class Appliance:
    store: ConfigStore
    history: History
    engine: Engine
    hardware: Any
    api: ApplianceApi
    clock: Any
    library: Any = None      # the owner's audio library (uploads), when audio is real

    def web_extras(self) -> dict[str, Any]:
        """What create_app needs besides the API facade."""
        return {} if self.library is None else {"audio_library": self.library}

    def start(self, **heartbeat: Any) -> None:
        """Start the core; ``heartbeat``/``heartbeat_s`` as in ``Engine.start`` (watchdog)."""
        self.store.subscribe(self._config_changed)
        self.engine.start(self.store.config(), overrides=self.api.overrides(),
                          messaging=self.api.texting.settings(), **heartbeat)

    def close(self) -> None:
        """Stop in reverse order of start; safe to call twice."""
        self.engine.close()
        self.hardware.close()
        self.history.close()
        self.store.close()

    def _config_changed(self, config: Any) -> None:
        from appliance.events import ConfigChanged

        self.engine.post(ConfigChanged(config))


def build(data_dir: Path, hardware: Any, clock: Any, *, simulation: Any = None,
          library: Any = None, language: str = "es", country: str = "ES") -> Appliance:
    """``language``: what the box's own phrases are said in (the owner's texts are theirs);
    ``country``: whose numbering plan national caller numbers follow."""
    data_dir.mkdir(parents=True, exist_ok=True)
    apply_pending_restore(data_dir)        # if build_real or the demo's audio has not already
    restored = restored_note(data_dir, time.time())
    store = ConfigStore(data_dir / "config.json")
    history = History(data_dir / "history.sqlite3")

    def persist_presence(agent_id: str, presence: Presence) -> None:
        try:
            store.set_presence(agent_id, presence)
        except Exception:  # the agent may have been deleted meanwhile; the core already knows
            log.exception("could not save presence of %s", agent_id)

    if library is not None:
        store.audio_ids = lambda: {item.id for item in library.list()}
    recordings = data_dir / "recordings"
    recordings.mkdir(exist_ok=True)
    engine = Engine(hardware, clock, history, persist_presence=persist_presence,
                    recordings=recordings, language=language, country=country)
    api = ApplianceApi(store, engine, history, simulation, recordings=recordings,
                       restored=restored)
    return Appliance(store, history, engine, hardware, api, clock, library)


def build_simulated(data_dir: Path, clock: Any, *, modems: bool = False,
                    line_devices: dict[str, str] | None = None, audio: Any = None,
                    library: Any = None, language: str = "en", sip: Any = None,
                    diallers: bool = False) -> Appliance:
    """The whole appliance on simulated hardware (tests and ``switchboard demo``).

    ``modems``: lines are pty fake modems behind the real modem driver (the demo) instead of
    in-process fake lines (fast core tests). ``line_devices``: line id → a real serial device.
    ``sip``: a started ``hardware.fakes.sip.SimulatedSip`` for its analog lines and SIP desks.
    """
    from hardware.fakes.office import SimulatedHardware

    data_dir.mkdir(parents=True, exist_ok=True)
    hardware = SimulatedHardware(clock, modems=modems, line_devices=line_devices,
                                 data_dir=data_dir, audio=audio, sip=sip, diallers=diallers)
    return build(data_dir, hardware, clock, simulation=hardware, library=library,
                 language=language)


def build_real(settings: Any) -> Appliance:
    """The appliance on the box's real modems, handsets and sound devices."""
    from appliance.core.clock import SystemClock
    from hardware.real import RealHardware

    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    apply_pending_restore(data_dir)        # before anything reads the data directory
    sip = build_sip(settings, data_dir)
    audio, library = build_audio(settings, data_dir, sip)
    hardware = RealHardware(settings, audio, data_dir, sip)
    appliance = build(data_dir, hardware, SystemClock(), library=library,
                      language=settings.language, country=settings.country)
    hardware.page_pins = appliance.api.admin.sim_pin   # before start: drivers are made then
    return appliance


def build_sip(settings: Any, data_dir: Path) -> Any:
    """The box's baresip for its analog lines and SIP phones, started (None when it has none).
    If it cannot start, the hub keeps why, and those lines and phones show it on the page."""
    from hardware.sip.baresip import BaresipConfig
    from hardware.sip.hub import SipHub, SipRoles
    from hardware.sip.network import NoAddress, address_of

    wiring, failure = settings.sip, None
    roles = SipRoles(tuple(w.id for w in settings.lines if w.kind == "analog"),
                     tuple(w.station for w in settings.phones),
                     tuple(w.id for w in settings.lines) if wiring and wiring.gateway else ())
    if not roles.users():
        return None
    try:
        host = address_of(wiring.listen)
    except NoAddress as exc:
        host, failure = "127.0.0.1", str(exc)
    config = BaresipConfig(host, sip_port=wiring.port, accounts=roles.users(), pipes=True,
                           rate=settings.audio_rate,
                           rtp_ports=(wiring.rtp_first, wiring.rtp_first + 199))
    hub = SipHub(config, data_dir / "sip", roles=roles)
    if failure is None:
        hub.start_or_note()
    hub.failure = hub.failure or failure
    return hub


def build_audio(settings: Any, data_dir: Path, sip: Any = None) -> tuple[Any, Any]:
    """The audio engine on the configured ALSA / serial PCM devices and SIP accounts, and the
    owner's library."""
    from appliance.media.audio_library import AudioLibrary
    from appliance.media.speech import Speech
    from hardware.audio.format import AudioFormat
    from hardware.audio.mixer import AudioEngine
    from hardware.audio.ports import AlsaPort, SerialPcmPort
    from hardware.interfaces import line_port, station_port

    fmt = AudioFormat(settings.audio_rate)
    ports: dict[str, Any] = {}
    for line in settings.lines:
        if line.audio_serial:
            ports[line_port(line.id)] = SerialPcmPort(line_port(line.id), line.audio_serial, fmt)
        elif line.audio_playback:
            ports[line_port(line.id)] = AlsaPort(line_port(line.id), line.audio_playback,
                                                 line.audio_capture, fmt)
    for handset in settings.handsets:
        if handset.audio_playback:
            name = station_port(handset.station)
            ports[name] = AlsaPort(name, handset.audio_playback, handset.audio_capture, fmt)
    if sip is not None:
        ports |= sip.ports()
    library = AudioLibrary(data_dir / "audio", fmt)
    resolve = Speech(data_dir / "speech", fmt).resolver(library, language=settings.language)
    return AudioEngine(ports, resolve, recordings=data_dir / "recordings",
                       country=settings.country), library


def build_demo_audio(data_dir: Path, clock: Any, lines: list[str], stations: list[str],
                     language: str = "en", sip: Any = None) -> tuple[Any, Any]:
    """The real audio engine for the demo, on ALSA file devices (see hardware.fakes.demo_audio)
    and, for the lines and desks of ``sip`` (a ``SimulatedSip``), on its SIP accounts; starts
    ``sip``, whose far side says the demo's sentences."""
    from appliance.media.audio_library import AudioLibrary
    from appliance.media.speech import Speech
    from hardware.audio.format import LINE_FORMAT
    from hardware.audio.mixer import AudioEngine
    from hardware.fakes.demo_audio import TapPort, demo_ports, demo_voices

    data_dir.mkdir(parents=True, exist_ok=True)
    apply_pending_restore(data_dir)        # before anything reads the data directory
    speech = Speech(data_dir / "speech", LINE_FORMAT)
    library = AudioLibrary(data_dir / "audio", LINE_FORMAT)
    voices = demo_voices(LINE_FORMAT, speech.render)
    on_sip = set(sip.lines + sip.stations) if sip is not None else set()
    ports = demo_ports(data_dir, LINE_FORMAT, [x for x in lines if x not in on_sip],
                       [x for x in stations if x not in on_sip], voices, clock.now)
    if sip is not None:
        failure = sip.start(caller_says=voices["line"], desk_says=voices["station"])
        if failure:
            log.warning("the demo's analog line and SIP desk are out of service: %s", failure)
        ports |= {name: TapPort(port, data_dir / "heard", clock.now)
                  if name.startswith("line:") else port for name, port in sip.ports().items()}
    engine = AudioEngine(ports, speech.resolver(library, language=language),
                         recordings=data_dir / "recordings")
    return engine, library
