"""A tiny fake sysfs, enough for ``udevadm test`` to run our rules on modems we do not have.

udev reads a device from its directory under /sys: ``uevent`` (properties), ``subsystem`` and
``driver`` (symlinks whose last component is the name), and plain attribute files (``idVendor``,
``bInterfaceNumber``...). A USB modem's AT port is four directories deep: the USB device, one of
its interfaces, the usb-serial port and the tty. ``udevadm test`` is then run in a private mount
namespace with this tree on /sys and fresh tmpfs on /dev and /run (it really creates symlinks),
and ``SYSTEMD_DEVICE_VERIFY_SYSFS=0`` so it accepts a directory that is not sysfs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PLATFORM = "devices/platform/soc"


@dataclass(frozen=True)
class UsbDevice:
    vendor: str
    product: str
    serial: str
    manufacturer: str
    port: str = "1.2"          # the port path on bus 1: kernel name "1-1.2"
    bus: int = 1

    @property
    def kernel_name(self) -> str:
        return f"{self.bus}-{self.port}"


class FakeSysfs:
    def __init__(self, root: Path) -> None:
        self.root = root
        for bus in ("usb", "usb-serial", "platform"):
            (root / "bus" / bus / "drivers").mkdir(parents=True, exist_ok=True)
        for cls in ("tty", "sound", "gpio"):
            (root / "class" / cls).mkdir(parents=True, exist_ok=True)
        platform = root / PLATFORM
        self._write(platform, uevent="", subsystem="/sys/bus/platform")
        self._minor = 0

    def tty(self, dev: UsbDevice, interface: int) -> str:
        """A usb-serial port on the device's interface; returns its /sys path for udevadm."""
        intf = self._interface(dev, interface, driver="option", if_class="ff")
        name = f"ttyUSB{self._minor}"
        port = intf / name
        self._write(port, uevent="", subsystem="/sys/bus/usb-serial", port_number="0")
        tty = port / "tty" / name
        self._write(tty, uevent=f"MAJOR=188\nMINOR={self._minor}\nDEVNAME={name}\n",
                    subsystem="/sys/class/tty", dev=f"188:{self._minor}")
        self._minor += 1
        return "/sys/" + str(tty.relative_to(self.root))

    def sound_card(self, dev: UsbDevice, number: int, interface: int = 0) -> tuple[str, Path]:
        """A USB audio card; returns its /sys path and the fake ``id`` attribute file."""
        intf = self._interface(dev, interface, driver="snd-usb-audio", if_class="01")
        card = intf / "sound" / f"card{number}"
        self._write(card, uevent="", subsystem="/sys/class/sound", id="Device",
                    number=str(number))
        return "/sys/" + str(card.relative_to(self.root)), card / "id"

    def gpiochip(self, number: int) -> str:
        chip = self.root / PLATFORM / "gpio" / f"gpiochip{number}"
        self._write(chip, uevent=f"MAJOR=254\nMINOR={number}\nDEVNAME=gpiochip{number}\n",
                    subsystem="/sys/bus/gpio", dev=f"254:{number}")
        (self.root / "bus" / "gpio").mkdir(exist_ok=True)
        return "/sys/" + str(chip.relative_to(self.root))

    def _usb_device(self, dev: UsbDevice) -> Path:
        hub = self.root / PLATFORM / f"usb{dev.bus}"
        if not hub.exists():
            self._write(hub, uevent="DEVTYPE=usb_device\n", subsystem="/sys/bus/usb",
                        idVendor="1d6b", idProduct="0002", busnum=str(dev.bus), devpath="0")
        path = hub / dev.kernel_name
        if not path.exists():
            uevent = (f"DEVTYPE=usb_device\nPRODUCT={dev.vendor}/{dev.product}/318\n"
                      f"BUSNUM=00{dev.bus}\nDEVNUM=003\n")
            self._write(path, uevent=uevent,
                        subsystem="/sys/bus/usb", idVendor=dev.vendor, idProduct=dev.product,
                        manufacturer=dev.manufacturer, product=dev.manufacturer,
                        busnum=str(dev.bus), devpath=dev.port, bcdDevice="0318", speed="480",
                        bDeviceClass="00", **({"serial": dev.serial} if dev.serial else {}))
        return path

    def _interface(self, dev: UsbDevice, number: int, driver: str, if_class: str) -> Path:
        intf = self._usb_device(dev) / f"{dev.kernel_name}:1.{number}"
        if not intf.exists():
            (self.root / "bus" / "usb" / "drivers" / driver).mkdir(exist_ok=True)
            self._write(intf, uevent=f"DEVTYPE=usb_interface\nINTERFACE={int(if_class, 16)}/0/0\n",
                        subsystem="/sys/bus/usb", driver=f"/sys/bus/usb/drivers/{driver}",
                        bInterfaceNumber=f"{number:02x}", bInterfaceClass=if_class,
                        bInterfaceSubClass="00", bInterfaceProtocol="00")
        return intf

    @staticmethod
    def _write(directory: Path, *, subsystem: str, driver: str | None = None,
               **attributes: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        os.symlink(subsystem, directory / "subsystem")
        if driver:
            os.symlink(driver, directory / "driver")
        for name, value in attributes.items():
            (directory / name).write_text(value + "\n" if value and name != "uevent" else value)
