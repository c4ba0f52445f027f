"""The core's deadlines: order, cancellation, and one failing action not stopping the others."""

from __future__ import annotations

import pytest

from appliance.core.timers import Timers


def test_due_timers_run_in_deadline_order_and_cancelled_ones_never():
    timers, ran = Timers(), []
    timers.at(2.0, lambda: ran.append("b"))
    timers.at(1.0, lambda: ran.append("a"))
    timers.at(1.5, lambda: ran.append("x")).cancel()
    timers.at(3.0, lambda: ran.append("later"))
    assert timers.run_due(2.0) == 2
    assert ran == ["a", "b"]
    assert (timers.next_deadline(), len(timers)) == (3.0, 1)


def test_a_failing_action_is_handed_over_with_its_owner_and_the_rest_still_run():
    timers, ran, failed = Timers(), [], []

    def boom() -> None:
        raise RuntimeError("a bug")

    timers.at(1.0, boom, owner="call-1")
    timers.at(1.0, lambda: ran.append("next"))
    timers.run_due(1.0, lambda timer, exc: failed.append((timer.owner, str(exc))))
    assert (failed, ran) == ([("call-1", "a bug")], ["next"])


def test_without_a_handler_a_failure_propagates():
    timers = Timers()
    timers.at(0.0, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        timers.run_due(0.0)
