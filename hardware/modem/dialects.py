"""What differs between modem families, as data: one ``Profile`` per dialect.

Chosen from the model the modem reports (``AT+CGMI``/``AT+CGMM``) unless the line's
configuration names one. Everything here comes from at-commands.md §2.4, §3.3, §5 and §7.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dialect(StrEnum):
    SIM7600 = "simcom_sim7600"
    SIM800 = "simcom_sim800"
    EC25 = "quectel_ec25"
    HUAWEI = "huawei_e1550"
    GENERIC = "generic"


@dataclass(frozen=True)
class Profile:
    dialect: Dialect
    init: tuple[str, ...] = ()          # extra set-up; an ERROR here is logged, not fatal
    hangup: str = "AT+CHUP"
    iccid: tuple[str, str] = ("AT+CCID", "+CCID:")   # command, answer prefix ("" = bare line)
    audio_on: tuple[str, ...] = ()      # after the call is answered (voice to the host)
    audio_off: tuple[str, ...] = ()
    dtmf_dedupe_s: float = 0.0          # drop a repeat of the same digit within this window


PROFILES = {
    Dialect.SIM7600: Profile(Dialect.SIM7600, init=("AT+DDET=1", "AT+CLCC=1"),
                             iccid=("AT+CICCID", "+ICCID:"),
                             audio_on=("AT+CPCMREG=1",), audio_off=("AT+CPCMREG=0",)),
    Dialect.SIM800: Profile(Dialect.SIM800, init=("AT+DDET=1",), iccid=("AT+CCID", "")),
    Dialect.EC25: Profile(Dialect.EC25, init=('AT+QINDCFG="ccinfo",1,0', "AT+QTONEDET=1"),
                          iccid=("AT+QCCID", "+QCCID:"), dtmf_dedupe_s=0.1),
    Dialect.HUAWEI: Profile(Dialect.HUAWEI, iccid=("AT^ICCID?", "^ICCID:"),
                            audio_on=("AT^DDSETEX=2",)),
    Dialect.GENERIC: Profile(Dialect.GENERIC),
}


def detect(manufacturer: str, model: str) -> Dialect:
    """The dialect for what ``AT+CGMI``/``AT+CGMM`` said; GENERIC when unknown."""
    text = f"{manufacturer} {model}".upper()
    if "SIM7600" in text or "SIM7100" in text or "SIM7000" in text:
        return Dialect.SIM7600
    if "SIM800" in text or "SIM900" in text:
        return Dialect.SIM800
    if "QUECTEL" in text or any(m in text for m in ("EC25", "EG25", "EC21", "EG91", "EG95")):
        return Dialect.EC25
    if "HUAWEI" in text or "E1550" in text or "E173" in text:
        return Dialect.HUAWEI
    return Dialect.GENERIC
