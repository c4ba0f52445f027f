"""What differs between modem families: one module per vendor, each one place.

A vendor module (``simcom``, ``quectel``, ``huawei``, ``generic``) holds its models'
``Profile`` (what the driver sends them, what they print, which the fake modem plays) and the
unsolicited lines its modems print. A new dialect is a new module listed in ``FAMILIES``.
The model is chosen from what the modem reports (``AT+CGMI``/``AT+CGMM``) unless the line's
configuration names one.
"""

from __future__ import annotations

from . import generic, huawei, quectel, simcom
from .profile import Dialect, Family, Parser, Profile

FAMILIES: tuple[Family, ...] = (simcom.FAMILY, quectel.FAMILY, huawei.FAMILY, generic.FAMILY)
PROFILES: dict[Dialect, Profile] = {p.dialect: p for f in FAMILIES for p in f.profiles}

__all__ = ["FAMILIES", "PROFILES", "Dialect", "Family", "Parser", "Profile", "detect"]


def detect(manufacturer: str, model: str) -> Dialect:
    """The dialect for what ``AT+CGMI``/``AT+CGMM`` said; GENERIC when unknown."""
    text = f"{manufacturer} {model}".upper()
    for profile in PROFILES.values():
        if any(marker in text for marker in profile.markers):
            return profile.dialect
    return Dialect.GENERIC
