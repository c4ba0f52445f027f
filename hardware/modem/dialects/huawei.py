"""Huawei: the E1550 family of voice-enabled USB sticks, and the lines Huawei modems print."""

from __future__ import annotations

from hardware.modem.urc import (
    CallAlerting,
    CallConnected,
    CallEnded,
    Urc,
    dtmf,
    fields,
    signal,
    to_int,
)

from .profile import Dialect, Family, Profile

_HUAWEI_REV = "11.609.10.02.432"
CEND_CAUSES = {17: "BUSY", 19: "NO ANSWER", 21: "BUSY"}   # 3GPP 24.008 cc_cause → result word


def _cend(payload: str, line: str) -> Urc:
    """``^CEND: <id>,<duration>,<end status>,<cc cause>``."""
    f = fields(payload)
    cause = to_int(f[3]) if len(f) > 3 else -1
    return CallEnded(CEND_CAUSES.get(cause, "^CEND"))


E1550 = Profile(
    Dialect.HUAWEI, "Huawei", markers=("HUAWEI", "E1550", "E173"),
    iccid=("AT^ICCID?", "^ICCID:"), audio_on=("AT^DDSETEX=2",),
    manufacturer="huawei", model="E1550", revision=_HUAWEI_REV,
    ati=("Manufacturer: huawei", "Model: E1550", f"Revision: {_HUAWEI_REV}", "IMEI: {imei}",
         "+GCAP: +CGSM,+DS,+ES"),
    boot=("^BOOT:20952161,0,0,0,72", "^RSSI:{rssi}", "^MODE:3,2", "^SRVST:2"),
    sim_ready=("^SIMST:1",), iccid_answers={"^ICCID": "^ICCID: "}, act=2,
    unknown="COMMAND NOT SUPPORT", dtmf_urc="^DDTMF: {d}", signal_urc="^RSSI:{rssi}",
    status=("^DSFLOWRPT:00000210,00000000,00000000,0000000000000C58,0000000000000C5E,"
            "0010E000,0010E000", "^NDISSTAT: 1,,,IPV4", "^SYSINFO:2,3,0,5,1,,4"),
    accepts=frozenset({"^CURC", "^U2DIAG", "^DDSETEX", "^CVOICE"}))

FAMILY = Family(
    "Huawei", (E1550,),
    parsers={"^RSSI": signal, "^DDTMF": dtmf, "^CEND": _cend,
             "^CONN": lambda p, ln: CallConnected(), "^CONF": lambda p, ln: CallAlerting()},
    status=("^ORIG", "^BOOT", "^MODE", "^SRVST", "^SIMST", "^SMMEMFULL", "^DDSETEX",
            "^DSFLOWRPT", "^HCSQ", "^CERSSI", "^NDISSTAT", "^NWTIME", "^TIME", "^STIN",
            "^EONS", "^SYSINFO", "^ACTIVEBAND", "^THERM"))
