"""The fake modem's knobs: real modems' misbehaviours (``Quirks``) and what the driver set.

What each model prints (identification, boot lines, URC forms, status lines, the error word
for unknown commands) is not here: the fake plays the driver's own ``Profile`` of that model
(``hardware.modem.dialects``), so a dialect is described in one place. How a caller's abandon
or a call's progress shows up per vendor is sequencing, in ``modem_calls``.
Sources: reference at-commands.md §2.1, §3.3, §4.3, §5.2 and §8.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Quirks:
    """Misbehaviours of real modems, each one a bug class a driver must survive.

    The defaults are realistic (split writes, small random delays) but fast; tests switch
    things off to make a sequence deterministic, or up to provoke a failure path.
    """

    split_writes: bool = True    # random byte chunks, sometimes coalescing lines
    ok_delay_s: tuple[float, float] = (0.0, 0.008)  # delay before final result codes
    double_cr: bool | None = None   # SIMCom-style "\r\r\n" around URCs (None: per dialect)
    stale_ok_on_open: bool = False  # a leftover "OK" in the buffer when the driver connects
    ring_interval_s: float = 0.3    # RING repetition (real modems: 3-5 s; small so tests are fast)
    ring_limit: int = 30            # RINGs before the network gives up (missed call)
    sim_busy_s: float = 0.0         # +CME ERROR: 14 / +CMS ERROR: 314 this long after boot
    # Additions beyond the brief (checklist items 5, 6, 11, 15-18):
    garbage: bool = False           # NULs, a non-UTF-8 operator-name byte, "\nNO CARRIER"
    duplicates: float = 0.0         # probability that a RING or a DTMF URC is sent twice
    sms_delay_s: tuple[float, float] = (0.0, 0.05)  # extra delay before "+CMGS: <mr>"
    sms_capacity: int = 40          # SIM message slots; when full, new messages are lost
    cpin_without_ok: bool = False   # old Wavecom: "+CPIN: READY" and no final OK
    periodic_urc_s: float = 0.5     # signal URC period while wedged
    dial_progress_s: float = 0.05   # dialing -> alerting after ATD
    reboot_s: float = 0.5           # AT+CFUN=1,1: silence while the port re-enumerates
    # What other projects' real-modem transcripts showed (issue 9):
    status_in_answers: float = 0.15  # chance of a vendor status line between answer lines
    cpin_quoted: bool = False       # +CPIN: "SIM PIN" (Motorola-style quotes)
    sim_lock: str | None = None     # e.g. "PH-NET PIN": the modem is locked to a network
    cclk_zone: bool = True          # False: +CCLK without its time zone
    phantom_data_call: bool = False  # EG25-G: a data call in +CLCC that survives resets
    hangup_urc: str | None = None   # a remote hang-up said only so ("HANGUP: {idx}"; "": lost)


CME_TEXT = {
    3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
    11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
    16: "incorrect password", 21: "invalid index", 30: "no network service", 100: "unknown",
}

@dataclass
class Settings:
    """What the driver configured; all of it reverts to these defaults on a reboot."""

    echo: bool = True
    cmee: int = 0
    clip: bool = False
    crc: bool = False
    colp: bool = False
    creg: int = 0
    cereg: int = 0
    ccwa_presentation: bool = False
    ccwa_enabled: bool = False
    clcc_urc: bool = False     # SIMCom AT+CLCC=1
    ccinfo: bool = False       # Quectel AT+QINDCFG="ccinfo",1
    csq_urc: bool = False      # Quectel AT+QINDCFG="csq",1 / SIMCom AT+AUTOCSQ=1,1
    dtmf_detect: bool = False  # AT+DDET=1 / AT+QTONEDET=1
    cmgf: int = 0
    cscs: str = "GSM"
    cnmi_mt: int = 1           # AT+CNMI=<mode>,<mt>: 0 stores silently, else +CMTI
    csmp_dcs: int = 0          # AT+CSMP=...,<dcs>: 8 announces UCS-2 text-mode bodies


def number_type(number: str) -> int:
    """27.007 <type>: 145 international, 129 national, 128 for a withheld (empty) number."""
    if not number:
        return 128
    return 145 if number.startswith("+") else 129
