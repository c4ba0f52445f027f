"""The front panel (optional pins): a lamp per line and a "closed now" switch.

A lamp is off while its line is not working, on while it is idle, and blinks during a call
(gpiozero's ``LED.blink`` keeps time in its own thread, closed with the device). The switch,
while on, makes the office closed whatever the hours say; the driver only posts what the
switch did (``PanelSwitch``), the core decides what it means.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from hardware.events import PanelSwitch
from hardware.interfaces import Post

BLINK_S = 0.5
SWITCH_BOUNCE_S = 0.05


class Lamp(Enum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"


class Panel:
    def __init__(self, lamps: dict[str, int], closed_switch: int | None, *,
                 pin_factory: Any = None, blink_s: float = BLINK_S) -> None:
        self.lamp_pins, self.switch_pin = dict(lamps), closed_switch
        self._factory, self._blink_s = pin_factory, blink_s
        self._lamps: dict[str, Any] = {}
        self._shown: dict[str, Lamp] = {}
        self._switch: Any = None

    def start(self, post: Post) -> None:
        from gpiozero import LED, Button

        self._lamps = {line: LED(pin, pin_factory=self._factory)
                       for line, pin in self.lamp_pins.items()}
        if self.switch_pin is not None:
            self._switch = Button(self.switch_pin, pull_up=True, bounce_time=SWITCH_BOUNCE_S,
                                  pin_factory=self._factory)
            self._switch.when_pressed = lambda: post(PanelSwitch(closed=True))
            self._switch.when_released = lambda: post(PanelSwitch(closed=False))
            post(PanelSwitch(closed=self._switch.is_pressed))

    def show(self, line_id: str, lamp: Lamp) -> None:
        """Light ``line_id``'s lamp so (nothing if it has none, or shows it already)."""
        led = self._lamps.get(line_id)
        if led is None or self._shown.get(line_id) is lamp:
            return
        self._shown[line_id] = lamp
        if lamp is Lamp.ON:
            led.on()
        elif lamp is Lamp.BLINK:
            led.blink(on_time=self._blink_s, off_time=self._blink_s)
        else:
            led.off()

    def close(self) -> None:
        for device in [*self._lamps.values(), self._switch]:
            if device is not None:
                device.close()
