"""SIMCom: the SIM7600 (LTE) and the SIM800 (2G), and the lines SIMCom modems print."""

from __future__ import annotations

from hardware.modem.urc import CallConnected, CallEnded, Urc, dtmf, signal

from .profile import Dialect, Family, Profile

_SIM7600_REV = "LE20B04SIM7600G22"


def _voice_call(payload: str, line: str) -> Urc:
    """``VOICE CALL: BEGIN`` / ``VOICE CALL: END: <duration>`` (some firmware: ``:END``)."""
    return CallConnected() if payload.startswith("BEGIN") else CallEnded("VOICE CALL: END")


SIM7600 = Profile(
    Dialect.SIM7600, "SIMCom", markers=("SIM7600", "SIM7100", "SIM7000"),
    init=("AT+DDET=1", "AT+CLCC=1"), iccid=("AT+CICCID", "+ICCID:"),
    audio_on=("AT+CPCMREG=1",), audio_off=("AT+CPCMREG=0",),
    manufacturer="SIMCOM INCORPORATED", model="SIMCOM_SIM7600G-H",
    revision=f"+CGMR: {_SIM7600_REV}",
    ati=("Manufacturer: SIMCOM INCORPORATED", "Model: SIMCOM_SIM7600G-H",
         f"Revision: {_SIM7600_REV}", "IMEI: {imei}", "+GCAP: +CGSM"),
    boot=("RDY",), sim_ready=("SMS DONE", "PB DONE"),
    iccid_answers={"+CICCID": "+ICCID: ", "+CCID": "+ICCID: "}, lte=True, act=7, double_cr=True,
    dtmf_enable="+DDET", dtmf_urc="+RXDTMF: {d}", signal_urc="+CSQN: {rssi},99",
    clip_tail=',"",0,"",0', status=("+CNSMOD: 8", "^CIEV: 1,0", "+CGEV: ME PDN ACT 1"),
    accepts=frozenset({"+CPCMFRM", "+CSDVC", "+CNSMOD", "+CLVL", "+CMICGAIN", "+COUTGAIN"}))

SIM800 = Profile(
    Dialect.SIM800, "SIMCom", markers=("SIM800", "SIM900"),
    init=("AT+DDET=1",), iccid=("AT+CCID", ""),
    manufacturer="SIMCOM_Ltd", model="SIMCOM_SIM800L", revision="Revision:1418B04SIM800L24",
    ati=("SIM800 R14.18",), boot=("RDY", "+CFUN: 1"), sim_ready=("Call Ready", "SMS Ready"),
    iccid_answers={"+CCID": ""}, dtmf_enable="+DDET", dtmf_urc="+DTMF: {d}",
    signal_urc="+CSQN: {rssi},99", clip_tail=',"",0,"",0',
    status=('*PSUTTZ: 2023, 6, 8, 5, 15, 27, "+8", 1',
            '+CIEV: 10,"26003","Orange","Orange", 0, 0'),
    accepts=frozenset({"+CLVL", "+CMIC", "+CSCLK", "+CHFA"}))

FAMILY = Family(
    "SIMCom", (SIM7600, SIM800),
    parsers={"+CSQN": signal, "+RXDTMF": dtmf, "+DTMF": dtmf, "VOICE CALL": _voice_call,
             "MISSED_CALL": lambda p, ln: CallEnded("MISSED_CALL")},
    status=("SMS DONE", "PB DONE", "Call Ready", "SMS Ready", "*PSUTTZ", "*PSNWID", "+STIN",
            "+STKPCI", "+CPSI", "+CNSMOD", "+PACSP", "^CIEV"))
