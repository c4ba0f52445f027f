"""Which agents' handsets ring for a waiting call: pure functions of the team and its agents.

The core works out who is *eligible* (available, idle, handset on hook); this module only
orders them by the team's strategy, so every strategy is testable without threads or hardware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from appliance.config.model import Channel, Config, Strategy
from appliance.policy.menus import operator_team


@dataclass(frozen=True)
class Candidate:
    """An eligible agent as the strategies see them."""

    agent: str
    idle_since: float    # monotonic seconds: when the agent last became free
    calls_taken: int


def pick(strategy: Strategy, members: Sequence[str], candidates: Iterable[Candidate],
         *, last_offered: str | None = None, tried: frozenset[str] = frozenset()) -> list[str]:
    """The agents to ring now, in ring order; empty when nobody eligible is left.

    ``members`` is the team's member order. ``tried`` holds agents who already let this call
    ring out: they are skipped until everyone eligible has had a turn, then a new round starts.
    ``last_offered`` is where round robin left off for this team.
    """
    order = {agent: i for i, agent in enumerate(members)}
    eligible = sorted((c for c in candidates if c.agent in order), key=lambda c: order[c.agent])
    if not eligible:
        return []
    if strategy is Strategy.RING_ALL:
        return [c.agent for c in eligible]
    fresh = [c for c in eligible if c.agent not in tried] or eligible
    if strategy is Strategy.LINEAR:
        return [fresh[0].agent]
    if strategy is Strategy.ROUND_ROBIN:
        return [_after(fresh, members, last_offered, order).agent]
    if strategy is Strategy.LONGEST_IDLE:
        return [min(fresh, key=lambda c: (c.idle_since, order[c.agent])).agent]
    if strategy is Strategy.FEWEST_CALLS:
        return [min(fresh, key=lambda c: (c.calls_taken, c.idle_since, order[c.agent])).agent]
    raise ValueError(f"unknown strategy {strategy!r}")


def _after(fresh: list[Candidate], members: Sequence[str], last: str | None,
           order: dict[str, int]) -> Candidate:
    """The first candidate strictly after ``last`` in member order, wrapping around."""
    if last not in order:
        return fresh[0]
    start = order[last]
    return min(fresh, key=lambda c: (order[c.agent] - start - 1) % len(members))


def home_team(config: Config, line_id: str) -> str | None:
    """The team a line's calls reach first: its entry's team, or the first team of its menu
    tree (where ``0`` goes). A callback for one of the line's callers waits there."""
    line = config.lines.get(line_id)
    if line is None:
        return None
    if line.entry.team in config.teams:
        return line.entry.team
    return operator_team(config, line.entry.menu) if line.entry.menu else None


def sms_team(config: Config, line_id: str) -> str | None:
    """Who answers the texts a line receives: its home team if that team serves texts, else
    the first team that does (None: texts are only kept in the history)."""
    home = config.teams.get(home_team(config, line_id) or "")
    if home is not None and Channel.SMS in home.channels:
        return home.id
    return next((t.id for t in config.teams.values() if Channel.SMS in t.channels), None)
