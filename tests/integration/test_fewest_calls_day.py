"""``fewest_calls`` counts the calls each agent answered today, in the office's time zone, from
the history: a restart (watchdog, power cut, update) changes nothing, and a new day starts
everyone at zero."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.office import Office, running


def answer_one(o: Office, station: str) -> None:
    o.call("l1")
    assert o.ringing() == {station}
    o.pick_up(station)
    o.put_down(station)


def test_the_count_is_todays_and_survives_a_restart(tmp_path, clock):
    with running(tmp_path / "data", clock) as o:
        for n in (1, 2):
            o.add("stations", id=f"s{n}", name=f"Desk {n}")
            o.add("agents", id=f"a{n}", name=f"Agent {n}", station=f"s{n}")
        o.add("teams", id="t", name="T", strategy="fewest_calls", members=["a1", "a2"],
              wrap_up_s=0)
        o.add("schedules", id="h", name="Always", timezone="Europe/Madrid",
              weekly={d: [["00:00", "24:00"]] for d in
                      ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
        o.add("lines", id="l1", name="Line", entry={"team": "t"}, schedule="h")
        answer_one(o, "s1")                   # both at 0: member order
        answer_one(o, "s2")                   # a1 has 1
        answer_one(o, "s1")                   # both at 1: a1 first again (idle longer)
    with running(tmp_path / "data", clock) as o:     # a restart: a1 has 2 today, a2 has 1
        assert o.status.agent("a1").calls_taken == 2
        answer_one(o, "s2")
        o.set_time(datetime(2026, 11, 25, 23, 0, 1, tzinfo=UTC))   # 00:00:01 in Madrid
        assert o.status.agent("a1").calls_taken == 0          # a new day: everyone at zero
        answer_one(o, "s1")
