"""Opening hours: weekly rules, overnight tails, DST days, holidays and next opening."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from appliance.config.model import HolidayRegion, Interval, Schedule, SpecialDay
from appliance.policy import schedule as sched
from appliance.policy.schedule import OpenStatus, ScheduleReason, is_open, next_open, status_at

MADRID = "Europe/Madrid"
BUENOS_AIRES = "America/Argentina/Buenos_Aires"
R = ScheduleReason
Hours = Sequence[tuple[str, str]]


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def intervals(hours: Hours) -> tuple[Interval, ...]:
    return tuple(Interval(minutes(start), minutes(end)) for start, end in hours)


def make_schedule(
    weekly: Mapping[str, Hours],
    tz: str = MADRID,
    region: HolidayRegion | None = None,
    closed: Sequence[str] = (),
    special: Mapping[str, Hours] | None = None,
) -> Schedule:
    """A Schedule from readable strings: {"mon": [("09:00", "18:00")]}, dates as ISO text."""
    return Schedule(
        id="s1",
        name="Office",
        timezone=tz,
        weekly={day: intervals(hours) for day, hours in weekly.items()},
        holidays=region,
        closed_dates=frozenset(date.fromisoformat(d) for d in closed),
        special=tuple(
            SpecialDay(date.fromisoformat(d), intervals(h)) for d, h in (special or {}).items()
        ),
    )


def local(iso: str, tz: str = MADRID, fold: int = 0) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(tz), fold=fold)


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


NINE_TO_SIX = [("09:00", "18:00")]
EVERY_DAY_9_18 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), NINE_TO_SIX)
WEEKDAYS_9_18 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), NINE_TO_SIX)

# Week of Monday 2026-06-08 (no Spanish national holiday in it).
OFFICE = make_schedule({
    "mon": NINE_TO_SIX,
    "tue": NINE_TO_SIX,
    "wed": [("09:00", "14:00"), ("16:00", "19:00")],   # split shift
    "thu": [],                                         # closed weekday
    "fri": NINE_TO_SIX,
    "sat": [],                                         # weekend: explicit empty ...
})                                                     # ... and "sun" simply missing


@pytest.fixture(autouse=True)
def _fresh_holiday_cache() -> Iterator[None]:
    """Holiday calendars are memoised; tests that change the locale must not see stale names."""
    sched._holiday_calendar.cache_clear()
    yield
    sched._holiday_calendar.cache_clear()


# --- weekly hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-06-08T10:00", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-08T08:59:59", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-08T09:00:00", OpenStatus(True, R.WEEKLY_HOURS)),         # start inclusive
        ("2026-06-08T17:59:59.999999", OpenStatus(True, R.WEEKLY_HOURS)),  # second precision
        ("2026-06-08T18:00:00", OpenStatus(False, R.OUTSIDE_HOURS)),       # end exclusive
        ("2026-06-08T23:30", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-10T13:59", OpenStatus(True, R.WEEKLY_HOURS)),            # split, morning
        ("2026-06-10T14:00", OpenStatus(False, R.OUTSIDE_HOURS)),          # lunch break
        ("2026-06-10T15:59:59", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-10T16:00", OpenStatus(True, R.WEEKLY_HOURS)),            # split, afternoon
        ("2026-06-10T18:30", OpenStatus(True, R.WEEKLY_HOURS)),            # past Mon's 18:00
        ("2026-06-10T19:00", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-11T10:00", OpenStatus(False, R.OUTSIDE_HOURS)),          # Thursday: []
        ("2026-06-12T10:00", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-13T10:00", OpenStatus(False, R.OUTSIDE_HOURS)),          # Saturday: []
        ("2026-06-14T10:00", OpenStatus(False, R.OUTSIDE_HOURS)),          # Sunday: missing
    ],
)
def test_weekly_hours(when: str, expected: OpenStatus) -> None:
    assert status_at(OFFICE, local(when)) == expected
    assert is_open(OFFICE, local(when)) is expected.open


def test_now_in_another_zone_is_converted_to_the_schedules_zone() -> None:
    # 07:30 UTC in June is 09:30 in Madrid (CEST, UTC+2), 03:30 in Buenos Aires.
    assert is_open(OFFICE, utc("2026-06-08T07:30"))
    assert not is_open(OFFICE, utc("2026-06-08T06:59:59"))


@pytest.mark.parametrize("call", [status_at, is_open, next_open])
def test_naive_datetime_is_refused(call) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(OFFICE, datetime(2026, 6, 8, 10, 0))


# --- overnight and 24:00 ------------------------------------------------------------------

NIGHT_SHIFT = make_schedule({"fri": [("22:00", "06:00")]}, region=HolidayRegion("ES"))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-06-12T21:59:59", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-12T22:00", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-12T23:00", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-13T00:00", OpenStatus(True, R.WEEKLY_HOURS)),   # Saturday, Friday's tail
        ("2026-06-13T05:59", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-13T05:59:59", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-06-13T06:00", OpenStatus(False, R.OUTSIDE_HOURS)),
        ("2026-06-13T22:00", OpenStatus(False, R.OUTSIDE_HOURS)),  # Saturday starts nothing
    ],
)
def test_overnight_interval(when: str, expected: OpenStatus) -> None:
    assert status_at(NIGHT_SHIFT, local(when)) == expected


def test_overnight_tail_survives_a_holiday_on_the_next_day() -> None:
    # Saturday 2026-08-15 is Asunción de la Virgen in Spain; Friday's shift still ends at 06:00.
    assert status_at(NIGHT_SHIFT, local("2026-08-15T05:00")) == OpenStatus(True, R.WEEKLY_HOURS)
    after = status_at(NIGHT_SHIFT, local("2026-08-15T06:00"))
    assert (after.open, after.reason) == (False, R.HOLIDAY)
    assert after.detail


def test_overnight_tail_survives_a_closed_date_on_the_next_day() -> None:
    night = make_schedule({"fri": [("22:00", "06:00")]}, closed=["2026-06-13"])
    assert status_at(night, local("2026-06-13T05:00")) == OpenStatus(True, R.WEEKLY_HOURS)
    assert status_at(night, local("2026-06-13T06:00")) == OpenStatus(False, R.CLOSED_DATE)


def test_holiday_on_the_starting_day_cancels_the_whole_overnight_interval() -> None:
    # Friday 2026-12-25 is Christmas: no shift starts, so Saturday 05:00 has no tail either.
    assert status_at(NIGHT_SHIFT, local("2026-12-25T23:00")).reason is R.HOLIDAY
    assert status_at(NIGHT_SHIFT, local("2026-12-26T05:00")) == OpenStatus(False, R.OUTSIDE_HOURS)


def test_overnight_tail_of_a_special_day_keeps_the_special_reason() -> None:
    night = make_schedule({}, special={"2026-06-10": [("20:00", "02:00")]})
    assert status_at(night, local("2026-06-11T01:00")) == OpenStatus(True, R.SPECIAL_HOURS)
    assert status_at(night, local("2026-06-11T02:00")) == OpenStatus(False, R.OUTSIDE_HOURS)


@pytest.mark.parametrize(
    ("tuesday", "when", "expected_open"),
    [
        ([], "2026-06-08T23:59:59", True),
        ([], "2026-06-09T00:00", False),
        ([("00:00", "08:00")], "2026-06-09T00:00", True),   # next day opens at midnight
        ([("00:00", "08:00")], "2026-06-09T08:00", False),
    ],
)
def test_until_midnight(tuesday: Hours, when: str, expected_open: bool) -> None:
    late = make_schedule({"mon": [("18:00", "24:00")], "tue": tuesday})
    assert is_open(late, local(when)) is expected_open


# --- DST change days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected_open"),
    [
        # 2026-03-29 spring forward: from 03:00 local Madrid is UTC+2.
        ("2026-03-29T06:59:59", False),
        ("2026-03-29T07:00", True),      # 09:00 local
        ("2026-03-29T15:59:59", True),   # 17:59:59 local
        ("2026-03-29T16:00", False),     # 18:00 local
        # 2026-10-25 fall back: from 03:00 CEST (02:00 CET) Madrid is UTC+1.
        ("2026-10-25T07:59:59", False),
        ("2026-10-25T08:00", True),      # 09:00 local
        ("2026-10-25T16:59:59", True),
        ("2026-10-25T17:00", False),     # 18:00 local
    ],
)
def test_dst_days_open_at_local_wall_clock(instant: str, expected_open: bool) -> None:
    assert is_open(make_schedule(EVERY_DAY_9_18), utc(instant)) is expected_open


@pytest.mark.parametrize(
    ("instant", "expected_open"),
    [
        # Saturday 2026-03-28 22:00 CET .. Sunday 06:00 CEST: one hour shorter in real time.
        ("2026-03-28T20:59:59", False),
        ("2026-03-28T21:00", True),      # 22:00 CET
        ("2026-03-29T00:59:59", True),   # 01:59:59 CET, just before the gap
        ("2026-03-29T01:00", True),      # 03:00 CEST, just after the gap
        ("2026-03-29T03:59:59", True),   # 05:59:59 CEST
        ("2026-03-29T04:00", False),     # 06:00 CEST
        # Saturday 2026-10-24 22:00 CEST .. Sunday 06:00 CET: one hour longer in real time.
        ("2026-10-24T20:00", True),      # 22:00 CEST
        ("2026-10-25T00:30", True),      # 02:30 CEST, first pass
        ("2026-10-25T01:30", True),      # 02:30 CET, second pass
        ("2026-10-25T04:59:59", True),   # 05:59:59 CET
        ("2026-10-25T05:00", False),     # 06:00 CET
    ],
)
def test_overnight_interval_spanning_a_dst_change(instant: str, expected_open: bool) -> None:
    night = make_schedule({"sat": [("22:00", "06:00")]})
    assert is_open(night, utc(instant)) is expected_open


def test_next_open_on_dst_days_is_local_nine() -> None:
    every_day = make_schedule(EVERY_DAY_9_18)
    assert next_open(every_day, local("2026-03-29T00:00")) == utc("2026-03-29T07:00")
    assert next_open(every_day, local("2026-10-25T00:00")) == utc("2026-10-25T08:00")


def test_next_open_inside_the_spring_gap_is_the_first_instant_after_it() -> None:
    # 02:30 does not exist on 2026-03-29 in Madrid: clocks jump from 02:00 CET to 03:00 CEST.
    night = make_schedule({"sun": [("02:30", "05:00")]})
    opened = next_open(night, local("2026-03-29T00:00"))
    assert opened == utc("2026-03-29T01:00")
    assert opened.tzinfo == ZoneInfo(MADRID)
    assert (opened.hour, opened.minute, opened.utcoffset().total_seconds()) == (3, 0, 7200)
    assert is_open(night, opened)
    assert not is_open(night, utc("2026-03-29T00:59:59"))


def test_next_open_skips_an_interval_lying_wholly_inside_the_spring_gap() -> None:
    ghost = make_schedule({"sun": [("02:10", "02:50")]})
    # That Sunday's interval never happens; the next Sunday's 02:10 CEST does.
    assert next_open(ghost, local("2026-03-29T00:00")) == utc("2026-04-05T00:10")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-10-25T00:10", "2026-10-25T00:30"),   # 02:10 CEST, first pass -> 02:30 CEST
        ("2026-10-25T00:45", "2026-10-25T01:30"),   # 02:45 CEST -> 02:30 CET, second pass
        ("2026-10-25T01:10", "2026-10-25T01:30"),   # 02:10 CET -> 02:30 CET
    ],
)
def test_next_open_in_the_repeated_fall_back_hour(now: str, expected: str) -> None:
    twice = make_schedule({"sun": [("02:30", "02:40")]})
    assert not is_open(twice, utc(now))
    opened = next_open(twice, utc(now))
    # PEP 495: a datetime in the repeated hour never equals one of another zone; compare in UTC.
    assert opened.astimezone(UTC) == utc(expected)
    assert (opened.hour, opened.minute) == (2, 30)


# --- other zone without DST ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected_open"),
    [
        ("2026-06-08T11:59:59", False),
        ("2026-06-08T12:00", True),      # 09:00 in Buenos Aires (UTC-3)
        ("2026-06-08T20:59:59", True),
        ("2026-06-08T21:00", False),     # 18:00 local
        ("2026-01-12T12:00", True),      # southern summer: still UTC-3, no DST
        ("2026-06-13T15:00", False),     # Saturday
    ],
)
def test_buenos_aires(instant: str, expected_open: bool) -> None:
    office = make_schedule(WEEKDAYS_9_18, tz=BUENOS_AIRES)
    assert is_open(office, utc(instant)) is expected_open


def test_buenos_aires_next_open_returns_an_instant_in_its_zone() -> None:
    office = make_schedule(WEEKDAYS_9_18, tz=BUENOS_AIRES)
    opened = next_open(office, local("2026-06-12T19:00", tz=BUENOS_AIRES))
    assert opened == utc("2026-06-15T12:00")
    assert opened.tzinfo == ZoneInfo(BUENOS_AIRES)
    assert opened.hour == 9


# --- holidays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "day", "name_part"),
    [
        (HolidayRegion("ES"), "2026-12-25", "Natividad"),          # Friday
        (HolidayRegion("ES"), "2026-01-06", "Epifanía"),           # Tuesday
        (HolidayRegion("ES", "MD"), "2026-04-02", "Jueves Santo"),  # Madrid only (Thursday)
        (HolidayRegion("ES", "MD"), "2026-11-02", "Todos los Santos"),  # Madrid only (Monday)
        (HolidayRegion("AR"), "2026-07-09", "Independencia"),      # Thursday
    ],
)
def test_public_holiday_closes_the_day(region: HolidayRegion, day: str, name_part: str) -> None:
    office = make_schedule(EVERY_DAY_9_18, tz=MADRID if region.country == "ES" else BUENOS_AIRES,
                           region=region)
    status = status_at(office, local(f"{day}T10:00", tz=office.timezone))
    assert (status.open, status.reason) == (False, R.HOLIDAY)
    assert name_part in status.detail


@pytest.mark.parametrize(
    ("region", "day"),
    [
        (HolidayRegion("ES"), "2026-04-02"),         # Maundy Thursday: regional, not national
        (HolidayRegion("ES"), "2026-11-02"),         # likewise
        (HolidayRegion("ES", "MD"), "2026-03-19"),   # San José is not a Madrid holiday in 2026
        (None, "2026-12-25"),                        # no region: holidays are not applied
    ],
)
def test_days_that_are_not_holidays_for_the_region_stay_open(
    region: HolidayRegion | None, day: str
) -> None:
    office = make_schedule(EVERY_DAY_9_18, region=region)
    assert status_at(office, local(f"{day}T10:00")) == OpenStatus(True, R.WEEKLY_HOURS)


def test_holiday_names_do_not_depend_on_the_process_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = make_schedule(EVERY_DAY_9_18, region=HolidayRegion("ES"))
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(var, "en_US.UTF-8")
    english_env = status_at(office, local("2026-12-25T10:00")).detail
    sched._holiday_calendar.cache_clear()
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(var, "es_ES.UTF-8")
    spanish_env = status_at(office, local("2026-12-25T10:00")).detail
    assert english_env == spanish_env
    assert "Natividad" in english_env


# --- closed dates and special hours -------------------------------------------------------

DECEMBER = make_schedule(
    WEEKDAYS_9_18,
    region=HolidayRegion("ES"),
    closed=["2026-12-24", "2026-12-30"],
    special={
        "2026-12-31": [("09:00", "13:00")],
        "2026-12-25": [("10:00", "14:00")],   # special beats the Christmas holiday
        "2026-12-30": [("09:00", "18:00")],   # but a closed date beats special hours
        "2026-12-29": [],                     # special with no hours: closed
    },
)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-12-23T10:00", OpenStatus(True, R.WEEKLY_HOURS)),
        ("2026-12-24T10:00", OpenStatus(False, R.CLOSED_DATE)),
        ("2026-12-31T12:00", OpenStatus(True, R.SPECIAL_HOURS)),
        ("2026-12-31T08:59", OpenStatus(False, R.SPECIAL_HOURS)),
        ("2026-12-31T13:00", OpenStatus(False, R.SPECIAL_HOURS)),
        ("2026-12-31T14:00", OpenStatus(False, R.SPECIAL_HOURS)),
        ("2026-12-25T11:00", OpenStatus(True, R.SPECIAL_HOURS)),
        ("2026-12-25T15:00", OpenStatus(False, R.SPECIAL_HOURS)),
        ("2026-12-30T10:00", OpenStatus(False, R.CLOSED_DATE)),
        ("2026-12-29T10:00", OpenStatus(False, R.SPECIAL_HOURS)),
    ],
)
def test_closed_dates_and_special_hours(when: str, expected: OpenStatus) -> None:
    assert status_at(DECEMBER, local(when)) == expected


# --- next_open ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-06-12T19:00", "2026-06-15T09:00"),   # Friday evening -> Monday
        ("2026-06-08T08:00", "2026-06-08T09:00"),   # later the same day
        ("2026-06-10T14:30", "2026-06-10T16:00"),   # lunch break of the split shift
        ("2026-06-10T19:00", "2026-06-12T09:00"),   # skips the closed Thursday
        ("2026-06-13T12:00", "2026-06-15T09:00"),   # weekend
    ],
)
def test_next_open_weekly(now: str, expected: str) -> None:
    assert next_open(OFFICE, local(now)) == local(expected)


def test_next_open_when_already_open_is_now_in_the_schedules_zone() -> None:
    now = utc("2026-06-08T08:00")   # 10:00 in Madrid
    opened = next_open(OFFICE, now)
    assert opened == now
    assert opened.tzinfo == ZoneInfo(MADRID)
    assert opened.hour == 10


def test_next_open_skips_a_holiday_monday() -> None:
    # Monday 2026-10-12 is the Fiesta Nacional de España.
    office = make_schedule(WEEKDAYS_9_18, region=HolidayRegion("ES"))
    assert next_open(office, local("2026-10-09T19:00")) == local("2026-10-13T09:00")


def test_next_open_skips_closed_dates_and_uses_special_hours() -> None:
    assert next_open(DECEMBER, local("2026-12-23T19:00")) == local("2026-12-25T10:00")
    assert next_open(DECEMBER, local("2026-12-28T19:00")) == local("2026-12-31T09:00")


def test_next_open_after_an_overnight_tail_on_a_holiday() -> None:
    # Closed at 06:00 on the holiday Saturday; the next shift starts the following Friday.
    assert next_open(NIGHT_SHIFT, local("2026-08-15T06:00")) == local("2026-08-21T22:00")


def test_next_open_is_none_without_any_hours() -> None:
    assert next_open(make_schedule({}), local("2026-06-08T10:00")) is None
    assert next_open(make_schedule({"mon": [], "tue": []}), utc("2026-06-08T10:00")) is None


def test_next_open_respects_the_horizon() -> None:
    once = make_schedule({}, special={"2026-07-08": [("09:00", "10:00")]})
    now = local("2026-06-08T10:00")
    assert next_open(once, now, horizon_days=29) is None
    assert next_open(once, now, horizon_days=30) == local("2026-07-08T09:00")


# -- when an open office closes ("closes today at 18:00") ------------------------------------

def test_next_close_is_the_end_of_the_interval_running_now() -> None:
    s = make_schedule({"mon": [("09:00", "14:00"), ("16:00", "18:00")]})
    assert sched.next_close(s, local("2026-11-30T10:00")) == local("2026-11-30T14:00")
    assert sched.next_close(s, local("2026-11-30T17:59")) == local("2026-11-30T18:00")


def test_next_close_skips_back_to_back_intervals_and_follows_an_overnight_tail() -> None:
    s = make_schedule({"mon": [("09:00", "14:00"), ("14:00", "18:00")],
                       "fri": [("20:00", "02:00")]})
    assert sched.next_close(s, local("2026-11-30T10:00")) == local("2026-11-30T18:00")
    assert sched.next_close(s, local("2026-12-04T23:00")) == local("2026-12-05T02:00")
    assert sched.next_close(s, local("2026-12-05T01:00")) == local("2026-12-05T02:00")


def test_next_close_is_none_when_closed_now_or_never_closing() -> None:
    assert sched.next_close(make_schedule({"mon": [("09:00", "18:00")]}),
                            local("2026-11-30T19:00")) is None
    always = make_schedule({day: [("00:00", "24:00")] for day in
                            ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    assert sched.next_close(always, local("2026-11-30T12:00")) is None


# -- open or closed by hand ---------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(MADRID))


def test_an_override_decides_from_when_it_was_set_until_it_ends():
    office = make_schedule({"mon": [("09:00", "18:00")]})
    closed = sched.Override(False, at("2026-11-30T12:00"), since=at("2026-11-30T10:00"))
    assert status_at(office, at("2026-11-30T09:30"), closed) == OpenStatus(True, R.WEEKLY_HOURS)
    assert status_at(office, at("2026-11-30T11:00"), closed) == OpenStatus(False, R.OVERRIDE)
    assert status_at(office, at("2026-11-30T12:00"), closed) == OpenStatus(True, R.WEEKLY_HOURS)


def test_hours_now_by_hand_change_when_the_override_ends():
    office = make_schedule({"mon": [("09:00", "18:00")]})
    opened = sched.Override(True, at("2026-11-28T14:00"))              # a Saturday
    now = sched.hours_now(office, at("2026-11-28T11:00"), opened)
    assert (now.open, now.reason, now.changes_at) == (True, R.OVERRIDE, at("2026-11-28T14:00"))
    after = sched.hours_now(office, at("2026-11-28T14:00"), opened)
    assert (after.open, after.changes_at) == (False, at("2026-11-30T09:00"))
