"""The board's change counter: readers wake on a change, on their timeout, or for good."""

from __future__ import annotations

import threading

from appliance.core.changes import Changes
from appliance.core.state import CallView, OverrideView, Snapshot


def test_a_reader_wakes_when_the_version_moves():
    changes = Changes()
    seen = changes.version
    woke: list[int | None] = []
    reader = threading.Thread(target=lambda: woke.append(changes.wait(seen, 5.0)),
                              name="board-reader")
    reader.start()
    changes.bump()
    reader.join(5)
    assert woke == [seen + 1]


def test_a_change_before_waiting_is_not_missed():
    changes = Changes()
    seen = changes.version
    changes.bump()
    changes.bump()
    assert changes.wait(seen, 0.0) == seen + 2


def test_a_timeout_gives_back_the_same_version():
    changes = Changes()
    assert changes.wait(changes.version, 0.01) == changes.version


def test_closing_ends_every_wait():
    changes = Changes()
    changes.close()
    assert changes.wait(changes.version, 5.0) is None


def test_the_board_ignores_the_time_but_not_what_it_shows():
    call = CallView("c1", "l1", "600", "queued", "sales", None, "t", 1.0, "tone:hold")
    one = Snapshot("10:00", calls=(call,), events=1)
    assert one.same_board(Snapshot("10:01", calls=(call,), events=2))
    assert not one.same_board(Snapshot("10:00", calls=()))
    assert not one.same_board(Snapshot("10:00", calls=(call,),
                                       overrides=(OverrideView("office", False, "t"),)))
