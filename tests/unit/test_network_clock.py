"""The mobile network's time corrects the appliance's clock when NTP has not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appliance.core.clock import SystemClock


def test_network_time_corrects_a_wrong_clock_without_ntp(tmp_path):
    clock = SystemClock(ntp_flag=tmp_path / "synchronized")
    jumps = []
    clock.subscribe(lambda: jumps.append(1))
    network = datetime.now(UTC) + timedelta(hours=3)
    clock.adjust_from_network(network, "line-1")
    assert abs((clock.now() - network).total_seconds()) < 5
    assert clock.source == "mobile network (line-1)"
    assert jumps == [1]


def test_small_differences_are_ignored(tmp_path):
    clock = SystemClock(ntp_flag=tmp_path / "synchronized")
    clock.adjust_from_network(datetime.now(UTC) + timedelta(seconds=20), "line-1")
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 1


def test_ntp_wins(tmp_path):
    flag = tmp_path / "synchronized"
    flag.touch()
    clock = SystemClock(ntp_flag=flag)
    clock.adjust_from_network(datetime.now(UTC) + timedelta(days=1), "line-1")
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 1
    assert clock.source == "system clock (NTP)"
