"""``switchboard doctor`` for desk handsets: are each handset's pins free, does its sound card
exist, and (``--ring``) does it ring.

Pins are opened as the driver opens them and closed again; a pin that cannot be opened is
named with what usually holds it (the running service, or another program). Sound cards are
looked up by the ``CARD=`` id of the handset's ALSA device in ``/proc/asound`` (the installer's
udev rule gives each handset's USB sound card a stable id from its USB socket, ``hs1_1_3``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from appliance.ops.system_checks import Finding
from hardware.handset import Handset, HandsetPins
from hardware.ringing import cadence_for

CARD_RE = re.compile(r"CARD=([^,]+)")
PROC_ASOUND = Path("/proc/asound")
RING_S = 1.0


def pins_free(station: str, pins: HandsetPins, factory: Any = None) -> Finding:
    from gpiozero import DigitalInputDevice, DigitalOutputDevice

    opened: list[Any] = []
    try:
        opened.append(DigitalOutputDevice(pins.ring_mode, initial_value=False,
                                          pin_factory=factory))
        opened.append(DigitalOutputDevice(pins.forward_reverse, initial_value=True,
                                          pin_factory=factory))
        opened.append(DigitalInputDevice(pins.hook, pull_up=False, pin_factory=factory))
    except Exception as exc:   # gpiozero raises many kinds for busy or missing pins
        return Finding(False, f"Handset {station}: GPIO pins RM {pins.ring_mode}, F/R "
                              f"{pins.forward_reverse}, SHK {pins.hook} cannot be opened ({exc}). "
                              "If Switchboard is running it holds them: stop it first (sudo "
                              "systemctl stop switchboard); otherwise check the wiring table.")
    finally:
        for device in opened:
            device.close()
    return Finding(True, f"Handset {station}: GPIO pins RM {pins.ring_mode}, F/R "
                         f"{pins.forward_reverse}, SHK {pins.hook} are free.")


def sound_card(station: str, devices: list[str | None], asound: Path = PROC_ASOUND) -> Finding:
    cards = {m[1] for device in devices if device and (m := CARD_RE.search(device))}
    missing = sorted(card for card in cards if not (asound / card).exists())
    if not devices or not any(devices):
        return Finding(True, f"Handset {station}: no sound card set (it rings, but staff "
                             "hear nothing: set audio_playback and audio_capture).")
    if missing:
        return Finding(False, f"Handset {station}: no sound card called {', '.join(missing)}. "
                              "Plug its USB sound card in (through a powered hub) and check "
                              "the udev rule that names it (docs/hardware.md).")
    return Finding(True, f"Handset {station}: sound card {', '.join(sorted(cards)) or 'set'} "
                         "present.")


def ring_once(station: str, pins: HandsetPins, country: str, factory: Any = None,
              seconds: float | None = None) -> Finding:
    """Ring the handset for ``seconds`` (``RING_S``) through the real driver, then stop."""
    seconds = RING_S if seconds is None else seconds
    events: list[Any] = []
    handset = Handset(station, pins, pin_factory=factory, cadence=cadence_for(country))
    handset.start(events.append)
    try:
        if not any(getattr(e, "online", False) for e in events):
            return Finding(False, f"Handset {station}: could not ring it: "
                                  f"{events[0].reason if events else 'no answer from the pins'}")
        handset.ring()
        threading.Event().wait(seconds)        # ringing for that long is the point
        handset.stop_ring()
    finally:
        handset.close()
    return Finding(True, f"Handset {station}: rang for {seconds:g} s. If the bell stayed "
                         "silent, check its SLIC's 5 V feed and the RM and F/R wires.")
