"""Simulated hardware shared by the tests and ``switchboard demo``.

The fakes implement the same driver protocols as the real devices (``hardware.interfaces``) so
the core cannot tell them apart.
"""

from __future__ import annotations

from typing import Any

RECENT = 2000      # what a fake keeps of its own log: the demo runs for days on the fakes


def remember(log: list[Any], item: Any) -> None:
    """Append to a fake's log for tests to inspect, keeping the recent entries only."""
    log.append(item)
    if len(log) > RECENT:
        del log[:RECENT // 2]
