"""Today's figures on the page: counts, waits, service level, the chart and its table."""

from __future__ import annotations

import re

import pytest

from web.figures import bars

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def calls(seeded):
    """Today: one abandoned call, one answered after a short wait."""
    seeded.call("mobile", "600000001")
    seeded.caller_hangs_up("mobile")
    seeded.call("mobile", "600000002")
    seeded.advance(5)
    seeded.pick_up("desk-1")
    seeded.put_down("desk-1")
    return seeded


def figure(page: str, name: str) -> str:
    return re.search(rf"<dt>{re.escape(name)}</dt><dd>([^<]*)</dd>", page).group(1)


@pytest.mark.usefixtures("calls")
def test_todays_figures_count_the_days_calls(owner):
    page = owner.client.get("/figures/").get_data(as_text=True)
    assert "<h1>Today's figures</h1>" in page
    assert (figure(page, "Calls"), figure(page, "Answered"), figure(page, "Abandoned")) == (
        "2", "1", "1")
    assert figure(page, "Longest wait") == "5 s"
    assert figure(page, "Answered within 20 s") == "100 %"
    assert page.count('class="answered"') == 24              # an hour each, a 24-hour day
    assert "Sales" in page                                     # by team


@pytest.mark.usefixtures("calls")
def test_the_threshold_changes_the_service_level_and_spanish_numbers(owner):
    page = owner.client.get("/figures/?service_level_s=3",
                            headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert figure(page, "Contestadas en 3 s") == "0 %"


def test_a_bad_range_or_threshold_is_refused(owner):
    assert owner.client.get("/figures/?from=someday").status_code == 400
    assert owner.client.get("/figures/?service_level_s=0").status_code == 400


def test_bars_are_scaled_to_the_busiest_hour_and_stacked():
    drawn = bars([{"answered": 2, "abandoned": 2}, {"answered": 1, "abandoned": 0}],
                 width=100, height=40)
    first, second = drawn
    assert (first["answered_h"], first["abandoned_h"], first["abandoned_y"]) == (20, 20, 0)
    assert (second["answered_h"], second["answered_y"]) == (10, 30)
    assert bars([]) == []
