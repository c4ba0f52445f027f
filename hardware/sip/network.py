"""Where baresip listens: the owner names a network interface (or an address) in the settings,
and SIP and RTP are bound to that interface's address only, never to every interface."""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct

from hardware.sentences import Text

SIOCGIFADDR = 0x8915          # linux/sockios.h


class NoAddress(OSError):
    """The named interface does not exist or has no IPv4 address now."""


def address_of(listen: str) -> str:
    """``listen`` itself when it is an address, else the IPv4 address of that interface."""
    try:
        ipaddress.ip_address(listen)
    except ValueError:
        pass
    else:
        return listen
    request = struct.pack("256s", listen.encode()[:15])
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
    except OSError as exc:
        raise NoAddress(Text("The network interface '%(name)s' has no address (%(error)s): "
                             "check its cable or Wi-Fi, or set [sip] listen to the box's "
                             "address in the settings file.", name=listen,
                             error=exc.strerror)) from exc
    return socket.inet_ntoa(answer[20:24])
