"""Every team strategy, as a pure function of the eligible agents."""

from __future__ import annotations

import pytest

from appliance.config.model import Strategy
from appliance.policy.routing import Candidate, pick

MEMBERS = ("ana", "bruno", "carla", "dani")


def cands(*rows: tuple[str, float, int]) -> list[Candidate]:
    return [Candidate(agent, idle, calls) for agent, idle, calls in rows]


ALL_FREE = cands(("ana", 30, 5), ("bruno", 10, 2), ("carla", 20, 2), ("dani", 40, 0))


@pytest.mark.parametrize(("strategy", "expected"), [
    (Strategy.RING_ALL, ["ana", "bruno", "carla", "dani"]),
    (Strategy.LINEAR, ["ana"]),
    (Strategy.ROUND_ROBIN, ["ana"]),
    (Strategy.LONGEST_IDLE, ["bruno"]),     # free since t=10, the earliest
    (Strategy.FEWEST_CALLS, ["dani"]),
])
def test_each_strategy_with_everyone_free(strategy, expected):
    assert pick(strategy, MEMBERS, ALL_FREE) == expected


def test_nobody_eligible_rings_nobody():
    for strategy in Strategy:
        assert pick(strategy, MEMBERS, []) == []


def test_candidates_outside_the_team_are_ignored():
    assert pick(Strategy.RING_ALL, ("ana",), cands(("ana", 1, 0), ("zoe", 0, 0))) == ["ana"]


def test_ring_all_keeps_member_order_whatever_the_candidate_order():
    shuffled = list(reversed(ALL_FREE))
    assert pick(Strategy.RING_ALL, MEMBERS, shuffled) == list(MEMBERS)


def test_ring_all_ignores_tried():
    assert pick(Strategy.RING_ALL, MEMBERS, ALL_FREE, tried=frozenset(MEMBERS)) == list(MEMBERS)


def test_linear_skips_agents_who_already_let_the_call_ring_out():
    assert pick(Strategy.LINEAR, MEMBERS, ALL_FREE, tried=frozenset({"ana"})) == ["bruno"]
    assert pick(Strategy.LINEAR, MEMBERS, ALL_FREE,
                tried=frozenset({"ana", "bruno", "carla"})) == ["dani"]


def test_when_everyone_was_tried_a_new_round_starts():
    assert pick(Strategy.LINEAR, MEMBERS, ALL_FREE, tried=frozenset(MEMBERS)) == ["ana"]


def test_linear_skips_busy_members():
    free = cands(("carla", 0, 0), ("dani", 0, 0))
    assert pick(Strategy.LINEAR, MEMBERS, free) == ["carla"]


@pytest.mark.parametrize(("last", "expected"), [
    (None, "ana"), ("ana", "bruno"), ("bruno", "carla"), ("carla", "dani"), ("dani", "ana"),
    ("gone", "ana"),   # the last agent left the team: start at the top
])
def test_round_robin_remembers_where_it_left_off(last, expected):
    assert pick(Strategy.ROUND_ROBIN, MEMBERS, ALL_FREE, last_offered=last) == [expected]


def test_round_robin_skips_busy_agents_after_the_last_one():
    free = cands(("ana", 0, 0), ("dani", 0, 0))
    assert pick(Strategy.ROUND_ROBIN, MEMBERS, free, last_offered="ana") == ["dani"]
    assert pick(Strategy.ROUND_ROBIN, MEMBERS, free, last_offered="dani") == ["ana"]


def test_round_robin_sequence_over_many_calls():
    last, order = None, []
    for _ in range(6):
        (last,) = pick(Strategy.ROUND_ROBIN, MEMBERS, ALL_FREE, last_offered=last)
        order.append(last)
    assert order == ["ana", "bruno", "carla", "dani", "ana", "bruno"]


def test_longest_idle_ties_go_to_member_order():
    tie = cands(("carla", 5, 0), ("bruno", 5, 9))
    assert pick(Strategy.LONGEST_IDLE, MEMBERS, tie) == ["bruno"]


def test_fewest_calls_ties_go_to_the_longest_idle():
    tie = cands(("bruno", 10, 2), ("carla", 5, 2))
    assert pick(Strategy.FEWEST_CALLS, MEMBERS, tie) == ["carla"]


def test_longest_idle_respects_tried():
    assert pick(Strategy.LONGEST_IDLE, MEMBERS, ALL_FREE, tried=frozenset({"bruno"})) == ["carla"]
