"""What differs between the modems the fake can pretend to be, as data.

The fake's command interpreter and call logic are shared; everything vendor-specific that a
driver must cope with (identification strings, boot URCs, how a caller's abandon shows up,
the DTMF URC, the error word for unknown commands, LTE registration) is looked up here so a
driver's dialect profile can be tested against each one. Sources: reference at-commands.md
§2.1, §2.7, §3.3, §4.3, §5.2 and §8; the status lines are from other projects' recorded
transcripts (tests/modem_corpus/data: chan_quectel, ModemManager, chan_dongle,
python-gsmmodem's ZTE).
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.modem.dialects import Dialect  # the fake plays the driver's dialects, by name


@dataclass
class Quirks:
    """Misbehaviours of real modems, each one a bug class a driver must survive.

    The defaults are realistic (split writes, small random delays) but fast; tests switch
    things off to make a sequence deterministic, or up to provoke a failure path.
    """

    split_writes: bool = True    # random byte chunks, sometimes coalescing lines
    ok_delay_s: tuple[float, float] = (0.0, 0.02)  # delay before final result codes
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


@dataclass(frozen=True)
class Profile:
    """One modem model: the strings it prints and the URCs it uses."""

    dialect: Dialect
    manufacturer: str
    model: str
    revision: str
    ati: tuple[str, ...]
    boot: tuple[str, ...]          # before the SIM is read
    sim_ready: tuple[str, ...]     # after "+CPIN: READY" (at boot or once the PIN is entered)
    iccid: dict[str, str]          # command name -> response prefix ("" = bare line)
    lte: bool                      # has +CEREG
    act: int                       # <AcT> in +COPS / +CREG (0 GSM, 2 UTRAN, 7 E-UTRAN)
    double_cr: bool
    unknown: str                   # reply to an unknown command
    dtmf_enable: str | None        # command that must be "=1" before DTMF URCs are sent
    dtmf_urc: str | None           # "{d}" digit, "{code}" ASCII code
    signal_urc: str                # "{rssi}"
    clip_tail: str                 # after number,type in +CLIP
    status: tuple[str, ...]        # vendor status lines that come at any time, unasked

    @property
    def simcom(self) -> bool:
        return self.dialect in (Dialect.SIM7600, Dialect.SIM800)


_SIM7600_REV = "LE20B04SIM7600G22"
_EC25_REV = "EC25EFAR06A06M4G"
_HUAWEI_REV = "11.609.10.02.432"

PROFILES: dict[Dialect, Profile] = {
    Dialect.SIM7600: Profile(
        Dialect.SIM7600, "SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", f"+CGMR: {_SIM7600_REV}",
        ati=("Manufacturer: SIMCOM INCORPORATED", "Model: SIMCOM_SIM7600G-H",
             f"Revision: {_SIM7600_REV}", "IMEI: {imei}", "+GCAP: +CGSM"),
        boot=("RDY",), sim_ready=("SMS DONE", "PB DONE"),
        iccid={"+CICCID": "+ICCID: ", "+CCID": "+ICCID: "}, lte=True, act=7, double_cr=True,
        unknown="ERROR", dtmf_enable="+DDET", dtmf_urc="+RXDTMF: {d}",
        signal_urc="+CSQN: {rssi},99", clip_tail=',"",0,"",0',
        status=("+CNSMOD: 8", "^CIEV: 1,0", "+CGEV: ME PDN ACT 1")),
    Dialect.SIM800: Profile(
        Dialect.SIM800, "SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B04SIM800L24",
        ati=("SIM800 R14.18",), boot=("RDY", "+CFUN: 1"), sim_ready=("Call Ready", "SMS Ready"),
        iccid={"+CCID": ""}, lte=False, act=0, double_cr=False,
        unknown="ERROR", dtmf_enable="+DDET", dtmf_urc="+DTMF: {d}",
        signal_urc="+CSQN: {rssi},99", clip_tail=',"",0,"",0',
        status=('*PSUTTZ: 2023, 6, 8, 5, 15, 27, "+8", 1',
                '+CIEV: 10,"26003","Orange","Orange", 0, 0')),
    Dialect.EC25: Profile(
        Dialect.EC25, "Quectel", "EC25", _EC25_REV,
        ati=("Quectel", "EC25", f"Revision: {_EC25_REV}"), boot=("RDY", "+CFUN: 1"),
        sim_ready=("+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"),
        iccid={"+QCCID": "+QCCID: ", "+CCID": "+CCID: "}, lte=True, act=7, double_cr=False,
        unknown="ERROR", dtmf_enable="+QTONEDET", dtmf_urc="+QTONEDET: {code}",
        signal_urc='+QIND: "csq",{rssi},99', clip_tail=",,,,0",
        status=("+CGEV: NW PDN DEACT 2", "+CGEV: ME PDN ACT 2, 3, 4", "+CPCMREG: 0")),
    Dialect.HUAWEI: Profile(
        Dialect.HUAWEI, "huawei", "E1550", _HUAWEI_REV,
        ati=("Manufacturer: huawei", "Model: E1550", f"Revision: {_HUAWEI_REV}", "IMEI: {imei}",
             "+GCAP: +CGSM,+DS,+ES"),
        boot=("^BOOT:20952161,0,0,0,72", "^RSSI:{rssi}", "^MODE:3,2", "^SRVST:2"),
        sim_ready=("^SIMST:1",), iccid={"^ICCID": "^ICCID: "}, lte=False, act=2,
        double_cr=False, unknown="COMMAND NOT SUPPORT", dtmf_enable=None,
        dtmf_urc="^DDTMF: {d}", signal_urc="^RSSI:{rssi}", clip_tail=",,,,0",
        status=("^DSFLOWRPT:00000210,00000000,00000000,0000000000000C58,0000000000000C5E,"
                "0010E000,0010E000", "^NDISSTAT: 1,,,IPV4", "^SYSINFO:2,3,0,5,1,,4")),
    Dialect.GENERIC: Profile(
        Dialect.GENERIC, "Generic", "GSM MODEM", "1.0", ati=("GSM MODEM 1.0",), boot=(),
        sim_ready=(), iccid={"+CCID": "+CCID: "}, lte=False, act=0, double_cr=False,
        unknown="ERROR", dtmf_enable=None, dtmf_urc="+DTMF: {d}",
        signal_urc="+CSQ: {rssi},99", clip_tail=",,,,0",
        status=('+ZDONR: "METEOR",272,3,"CS_ONLY","ROAM_OFF"', '+ZPASR: "UMTS"',
                "+CGEV: ME DETACH")),
}

CME_TEXT = {
    3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
    11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
    16: "incorrect password", 21: "invalid index", 30: "no network service", 100: "unknown",
}

# Commands each dialect accepts with a plain OK beyond the common set (init strings that
# drivers send and that must not fail), and the dialect-only commands with real handlers.
EXTRA_OK: dict[Dialect, frozenset[str]] = {
    Dialect.SIM7600: frozenset({"+CPCMFRM", "+CSDVC", "+CNSMOD", "+CLVL", "+CMICGAIN",
                                "+COUTGAIN"}),
    Dialect.SIM800: frozenset({"+CLVL", "+CMIC", "+CSCLK", "+CHFA"}),
    Dialect.EC25: frozenset({"+QCFG", "+QPCMV", "+QAUDMOD", "+QMIC", "+QRXGAIN", "+QDAI",
                             "+QGPSCFG"}),
    Dialect.HUAWEI: frozenset({"^CURC", "^U2DIAG", "^DDSETEX", "^CVOICE"}),
    Dialect.GENERIC: frozenset(),
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
