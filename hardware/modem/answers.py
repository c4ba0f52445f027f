"""What each command's answer lines look like, so nothing else is mistaken for them.

A modem may print any status line at any moment, including between the lines of an answer, and
vendors keep inventing new ones (``^DSFLOWRPT``, ``+CGEV``, ``^HCSQ``, SIM toolkit...). A list
of known URCs can never be complete, so each command says what *its* lines look like and every
other line is unsolicited. The tests replay lines recorded from real modems by other projects
(tests/modem_corpus) against these shapes.
"""

from __future__ import annotations

import re

from .unsolicited import is_urc
from .urc import fields, registration_read_stat

# A tagged line: "+CGEV: ...", "^RSSI:13", "*PSUTTZ: ...", "$QCSIMSTAT: ..." — the shape of
# every vendor status line, and of no identification text a modem gives.
TAG_RE = re.compile(r"^[+^*$#%!@][A-Za-z][\w\-]*\s*:")
IMEI_RE = re.compile(r'^(?:\+CGSN:\s*)?"?(\d{14,17})"?$')
ICCID_RE = re.compile(r'^"?([0-9A-Fa-f]{18,22})"?$')
HEX_RE = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")


def text(line: str) -> bool:
    """Identification text (``AT+CGMI``, ``AT+CGMM``, ``AT+CGMR``): any untagged line that is
    not a known unsolicited word (``RING``, ``HANGUP: 1``, ``Call Ready``...)."""
    return not TAG_RE.match(line) and not is_urc(line)


def imei(line: str) -> bool:
    """``AT+CGSN``: 14 to 17 digits, bare, quoted or after ``+CGSN:``."""
    return IMEI_RE.match(line) is not None


def iccid(line: str) -> bool:
    """A SIM's ICCID without a prefix (SIM800 answers ``AT+CCID`` bare): 18-22 hex digits."""
    return ICCID_RE.match(line) is not None


def pdu(line: str) -> bool:
    """An SMS PDU line after ``+CMGR:``/``+CMGL:``: whole octets of hex, nothing else."""
    return HEX_RE.match(line) is not None


def registration_read(prefix: str):
    """The answer to ``AT+CREG?``-style reads: ``<n>,<stat>[,...]``.

    The unsolicited form of the same prefix is ``<stat>[,"<lac>","<ci>"...]``: one field, or a
    quoted location second. Only the read form has a bare integer in second place, so a
    ``+CEREG: 1,"2B67","0A3F0B01",7`` URC arriving during ``AT+CEREG?`` stays a URC.
    """
    def shape(line: str) -> bool:
        return line.startswith(prefix) and registration_read_stat(line[len(prefix):]) is not None
    return shape


def clean_value(line: str) -> str:
    """An identification line without its own tag (``+CGMR: X`` → ``X``) or quotes."""
    if line.startswith("+") and ":" in line:
        line = line.split(":", 1)[1]
    return line.strip().strip('"').strip()


def header_number(line: str, position: int) -> int | None:
    """The whole number at ``position`` of a ``+CMGR:``/``+CMGL:`` header (``+CMGR: <stat>,
    ...``, ``+CMGL: <index>,<stat>,...``); None when that field is empty or not a number."""
    f = fields(line.partition(":")[2])
    value = f[position].strip() if len(f) > position else ""
    return int(value) if value.isdigit() else None
