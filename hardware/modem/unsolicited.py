"""Every unsolicited line a modem may print, typed: 27.007's table and each vendor's, joined.

``parse`` types one line; ``is_urc`` decides whether a bare line that arrives while a command
is in flight belongs to the answer or not.
"""

from __future__ import annotations

from . import urc
from .dialects import FAMILIES, Parser

PARSERS: dict[str, Parser] = {**urc.PARSERS}
for _family in FAMILIES:
    PARSERS.update(_family.parsers)
PREFIXES: tuple[str, ...] = (*urc.STATUS, *PARSERS,
                             *(prefix for family in FAMILIES for prefix in family.status))


def is_urc(line: str) -> bool:
    return line.startswith(PREFIXES)


def parse(line: str) -> urc.Urc:
    """Type one unsolicited line (two-line URCs arrive joined by ``\\n``)."""
    head, _, payload = line.partition(":")
    if line.startswith("+CRING") or line == "RING":
        return urc.Ring()
    if line in urc.CALL_END_WORDS:
        return urc.CallEnded(line)
    if line in urc.BOOT_MARKERS:
        return urc.Boot(line)
    parser = PARSERS.get(head.strip())
    return parser(payload.strip(), line) if parser is not None else urc.Other(line)
