"""The appliance's TOML file for ``switchboard run``: where data lives and what is wired where.

Business configuration (teams, hours, menus) lives in the data directory and is edited from the
web page; this file only describes the box: the web address, each modem's port and SIM PIN,
each handset's GPIO pins and sound devices. Mistakes are reported all at once, by key.

    data_dir = "/var/lib/switchboard"
    language = "es"           # what the box itself says: "es" or "en"
    country = "ES"            # how handsets ring: ES PT FR DE IT GB US MX AR CL CO BR
    [web]
    host = "0.0.0.0"
    port = 8080
    [audio]
    rate = 8000
    [[lines]]
    id = "line-1"
    kind = "gsm"              # a modem with its SIM
    device = "/dev/serial/by-id/usb-SimTech_..._-if02-port0"
    dialect = "auto"          # or simcom_sim7600, quectel_ec25, huawei_e1550, generic ...
    pin = "1234"              # only if the SIM asks for one
    audio_playback = "plughw:CARD=gsm1_1_4,DEV=0"   # a modem with USB audio (EC25), or
    audio_capture = "plughw:CARD=gsm1_1_4,DEV=0"
    audio_serial = ""         # the modem's PCM serial port (SIMCom if04, Huawei if01)
    [[handsets]]
    station = "desk-1"
    hook = 27
    ring_mode = 17
    forward_reverse = 4
    audio_playback = "plughw:CARD=hs1_1_3,DEV=0"    # its USB sound card, by USB socket
    audio_capture = "plughw:CARD=hs1_1_3,DEV=0"
    ring = "GB"               # optional: this handset rings another country's way
    ring_hz = 20              # optional: its bell's frequency (10-60 Hz)
    flash_ms = [80, 900]      # optional: an on-hook break this long is a hook flash
    [panel]                   # optional: a lamp per line, and a "closed now" switch
    lamps = { "line-1" = 13, "line-2" = 19 }
    closed_switch = 18

Analog lines and SIP desk phones go through baresip, listening only on the LAN interface (or
the address) named in ``[sip]``:

    [sip]
    listen = "eth0"           # or the box's address on the office network
    port = 5060
    gateway = false           # true: a line's entry may hand callers to the office's PBX
    [[lines]]
    id = "line-3"
    kind = "analog"           # a phone line behind an ATA (Grandstream HT813's FXO port)
    ata = "192.168.1.20"      # the ATA's address: calls from anywhere else are refused
    [[phones]]
    station = "desk-4"
    uri = "sip:desk4@192.168.1.21:5062"   # the SIP phone, or an HT802 FXS port
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.policy.phrases import LANGUAGES
from hardware.modem.dialects import Dialect
from hardware.ringing import COUNTRY_CADENCES


class SettingsError(Exception):
    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.problems = problems


SIP_URI = re.compile(r"sips?:[^@\s;<>]+@[A-Za-z0-9.\-\[\]:]+")
LINE_KINDS = ("gsm", "analog")      # the kinds RealHardware has a driver for


@dataclass(frozen=True)
class LineWiring:
    id: str
    device: str
    dialect: Dialect | None = None
    pin: str | None = None
    audio_playback: str | None = None
    audio_capture: str | None = None
    audio_serial: str | None = None
    kind: str = "gsm"
    ata: str | None = None         # analog: the ATA's address


@dataclass(frozen=True)
class PanelWiring:
    lamps: dict[str, int]               # line id -> the BCM pin of its lamp
    closed_switch: int | None = None    # the BCM pin of the "closed now" switch


@dataclass(frozen=True)
class PhoneWiring:
    station: str
    uri: str                       # sip:user@host[:port]


@dataclass(frozen=True)
class SipWiring:
    listen: str                    # a network interface name or an address of the box
    port: int = 5060
    rtp_first: int = 10000         # RTP ports: rtp_first .. rtp_first + 199
    gateway: bool = False          # lines may hand callers to the office's SIP PBX


@dataclass(frozen=True)
class HandsetWiring:
    station: str
    hook: int
    ring_mode: int
    forward_reverse: int
    audio_playback: str | None = None
    audio_capture: str | None = None
    ring: str | None = None        # a country whose cadence this handset uses
    ring_hz: float | None = None   # its bell's frequency
    flash_ms: tuple[int, int] = (80, 900)   # an on-hook break this long is a flash


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    audio_rate: int = 8000
    language: str = "es"
    country: str = "ES"
    lines: tuple[LineWiring, ...] = ()
    handsets: tuple[HandsetWiring, ...] = ()
    phones: tuple[PhoneWiring, ...] = ()
    sip: SipWiring | None = None
    panel: PanelWiring | None = None


def load_settings(path: Path) -> Settings:
    try:
        with path.open("rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(path, ["the file does not exist"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(path, [f"not valid TOML ({exc})"]) from None
    problems: list[str] = []
    web, audio = doc.get("web", {}), doc.get("audio", {})
    settings = Settings(
        data_dir=Path(_text(doc, "data_dir", problems, "data_dir") or "."),
        host=_text(web, "host", problems, "web.host", "127.0.0.1"),
        port=_number(web, "port", problems, "web.port", 8080, 1, 65535),
        audio_rate=_number(audio, "rate", problems, "audio.rate", 8000, 8000, 16000),
        language=_text(doc, "language", problems, "language", "es"),
        country=_country(doc.get("country", "ES"), problems, "country") or "ES",
        lines=tuple(_line(item, i, problems) for i, item in enumerate(doc.get("lines", []))),
        handsets=tuple(_handset(item, i, problems)
                       for i, item in enumerate(doc.get("handsets", []))),
        phones=tuple(_phone(item, i, problems) for i, item in enumerate(doc.get("phones", []))),
        sip=_sip(doc.get("sip"), problems), panel=_panel(doc.get("panel"), problems))
    if settings.language not in LANGUAGES:
        problems.append("language must be one of: " + ", ".join(LANGUAGES))
    if settings.audio_rate not in (8000, 16000):
        problems.append("audio.rate must be 8000 or 16000")
    _check_unique([w.id for w in settings.lines], "lines", problems)
    _check_unique([w.station for w in (*settings.handsets, *settings.phones)],
                  "handsets]] and [[phones", problems)
    if settings.sip is None and (settings.phones or any(w.kind == "analog"
                                                        for w in settings.lines)):
        problems.append("[sip] with listen = the LAN interface (for example \"eth0\") is "
                        "required for analog lines and [[phones]]")
    pins = [p for h in settings.handsets for p in (h.hook, h.ring_mode, h.forward_reverse)]
    if settings.panel is not None:
        pins += [*settings.panel.lamps.values(),
                 *([settings.panel.closed_switch] if settings.panel.closed_switch else [])]
    if len(set(pins)) != len(pins):
        problems.append("a GPIO pin is used twice in [[handsets]] and [panel]")
    if problems:
        raise SettingsError(path, problems)
    return settings


def _text(doc: dict[str, Any], key: str, problems: list[str], where: str,
          default: str | None = None) -> Any:
    value = doc.get(key, default)
    if value is None:
        problems.append(f"{where} is required")
    elif not isinstance(value, str) or not value.strip():
        problems.append(f"{where} must be a non-empty text")
    return value


def _number(doc: dict[str, Any], key: str, problems: list[str], where: str, default: int,
            low: int, high: int) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where} must be a whole number from {low} to {high}")
        return default
    return value


def _optional(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _line(item: dict[str, Any], i: int, problems: list[str]) -> LineWiring:
    where = f"lines[{i}]"
    kind = item.get("kind", "gsm")
    if kind not in LINE_KINDS:
        problems.append(f"{where}.kind must be one of " + ", ".join(LINE_KINDS))
        kind = "gsm"
    if kind == "analog":
        ata = _text(item, "ata", problems, f"{where}.ata")
        if isinstance(ata, str) and not _is_address(ata):
            problems.append(f"{where}.ata must be the ATA's IP address (for example "
                            "192.168.1.20)")
        return LineWiring(_text(item, "id", problems, f"{where}.id"), "", kind=kind, ata=ata)
    dialect = item.get("dialect", "auto")
    if dialect != "auto" and dialect not in {d.value for d in Dialect}:
        problems.append(f"{where}.dialect must be auto or one of "
                        + ", ".join(d.value for d in Dialect))
        dialect = "auto"
    pin = item.get("pin")
    if pin is not None and not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 8):
        problems.append(f"{where}.pin must be 4 to 8 digits, in quotes")
        pin = None
    return LineWiring(_text(item, "id", problems, f"{where}.id"),
                      _text(item, "device", problems, f"{where}.device"),
                      None if dialect == "auto" else Dialect(dialect), pin,
                      _optional(item, "audio_playback"), _optional(item, "audio_capture"),
                      _optional(item, "audio_serial"), kind)


def _handset(item: dict[str, Any], i: int, problems: list[str]) -> HandsetWiring:
    where = f"handsets[{i}]"
    ring = _country(item["ring"], problems, f"{where}.ring") if "ring" in item else None
    ring_hz = item.get("ring_hz")
    if ring_hz is not None and (isinstance(ring_hz, bool) or not isinstance(ring_hz, int | float)
                                or not 10 <= ring_hz <= 60):
        problems.append(f"{where}.ring_hz must be a number from 10 to 60")
        ring_hz = None
    flash = item.get("flash_ms", [80, 900])
    if not (isinstance(flash, list) and len(flash) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in flash)
            and 30 <= flash[0] < flash[1] <= 2000):
        problems.append(f"{where}.flash_ms must be [shortest, longest] in ms, 30 to 2000")
        flash = [80, 900]
    return HandsetWiring(_text(item, "station", problems, f"{where}.station"),
                         *(_number(item, key, problems, f"{where}.{key}", 0, 2, 27)
                           for key in ("hook", "ring_mode", "forward_reverse")),
                         _optional(item, "audio_playback"), _optional(item, "audio_capture"),
                         ring, ring_hz, (flash[0], flash[1]))


def _country(value: Any, problems: list[str], where: str) -> str | None:
    if isinstance(value, str) and value.upper() in COUNTRY_CADENCES:
        return value.upper()
    problems.append(f"{where} must be one of " + ", ".join(sorted(COUNTRY_CADENCES)))
    return None


def _phone(item: dict[str, Any], i: int, problems: list[str]) -> PhoneWiring:
    where = f"phones[{i}]"
    uri = _text(item, "uri", problems, f"{where}.uri")
    if isinstance(uri, str) and not SIP_URI.fullmatch(uri):
        problems.append(f"{where}.uri must look like sip:desk4@192.168.1.21:5062")
    return PhoneWiring(_text(item, "station", problems, f"{where}.station"), uri)


def _sip(doc: Any, problems: list[str]) -> SipWiring | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        problems.append("[sip] must be a table")
        return None
    listen = _text(doc, "listen", problems, "sip.listen")
    if isinstance(listen, str) and listen in ("0.0.0.0", "::"):      # noqa: S104
        problems.append("sip.listen must be one interface or address, not every one")
    gateway = doc.get("gateway", False)
    if not isinstance(gateway, bool):
        problems.append("sip.gateway must be true or false")
    return SipWiring(listen, _number(doc, "port", problems, "sip.port", 5060, 1024, 65535),
                     _number(doc, "rtp_first", problems, "sip.rtp_first", 10000, 1024, 65000),
                     gateway is True)


def _panel(doc: Any, problems: list[str]) -> PanelWiring | None:
    if doc is None:
        return None
    lamps = doc.get("lamps", {}) if isinstance(doc, dict) else None
    if not isinstance(lamps, dict):
        problems.append('[panel] lamps must be a table: { "line-1" = 13 }')
        return None
    good = {}
    for line, pin in lamps.items():
        if isinstance(pin, bool) or not isinstance(pin, int) or not 2 <= pin <= 27:
            problems.append(f"panel.lamps.{line} must be a GPIO pin from 2 to 27")
        else:
            good[line] = pin
    switch = None
    if "closed_switch" in doc:
        switch = _number(doc, "closed_switch", problems, "panel.closed_switch", 0, 2, 27)
    return PanelWiring(good, switch or None)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _check_unique(ids: list[str], what: str, problems: list[str]) -> None:
    if len(set(ids)) != len(ids):
        problems.append(f"two [[{what}]] entries have the same id")
