"""Is a line's schedule open at an instant, and when does it open next.

Pure functions over the frozen ``Schedule`` from ``model``: no I/O and no mutable global state,
so the call path can ask at any moment without locks. The one cache (public holiday calendars)
only memoises a deterministic computation.

Hours are local wall-clock minutes, as an owner writes them ("09:00-18:00"), so every rule is
evaluated on the local date and time in the schedule's zone: a DST change day still opens at
its local 09:00. Each calendar date gets its intervals from its own rules (closed date, special
day, public holiday, weekday) and an overnight interval belongs to the day it starts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from appliance.config.model import WEEKDAYS, HolidayRegion, Interval, Schedule

_SECONDS_PER_MINUTE = 60
_MINUTE = timedelta(minutes=1)


class ScheduleReason(StrEnum):
    """Why a schedule is open or closed, so the UI and call log can explain a routing choice."""

    WEEKLY_HOURS = "weekly_hours"      # open: inside the weekday's hours
    OUTSIDE_HOURS = "outside_hours"    # closed: an ordinary day, outside its hours
    HOLIDAY = "holiday"                # closed: a public holiday of the schedule's region
    CLOSED_DATE = "closed_date"        # closed: a date the owner closed explicitly
    SPECIAL_HOURS = "special_hours"    # open or closed by a date's special hours
    OVERRIDE = "override"              # open or closed by the owner's hand until a set time


@dataclass(frozen=True)
class OpenStatus:
    open: bool
    reason: ScheduleReason
    detail: str = ""   # the holiday's name for HOLIDAY, empty otherwise


@dataclass(frozen=True)
class Override:
    """The owner's "closed now" (or "open now") until an instant; the hours resume after it.

    It is the box's state, not configuration: a version restore or a draft never undoes it.
    """

    open: bool
    until: datetime                 # aware
    since: datetime | None = None   # when it was set (a simulation of earlier ignores it)

    def active(self, now: datetime) -> bool:
        started = self.since is None or self.since.timestamp() <= now.timestamp()
        return started and now.timestamp() < self.until.timestamp()


@dataclass(frozen=True)
class _DayRule:
    """The intervals one calendar date starts, and the reason that decided them."""

    intervals: tuple[Interval, ...]
    reason: ScheduleReason
    detail: str = ""

    @property
    def closed_reason(self) -> ScheduleReason:
        # Only weekly hours have a distinct "closed" word; the other rules explain both states.
        if self.reason is ScheduleReason.WEEKLY_HOURS:
            return ScheduleReason.OUTSIDE_HOURS
        return self.reason


def status_at(schedule: Schedule, now: datetime,
              override: Override | None = None) -> OpenStatus:
    """Whether ``schedule`` is open at the instant ``now``, and why.

    An active ``override`` decides alone. Otherwise today's own intervals are checked first,
    then the overnight tails started yesterday, which keep their starting day's reason even if
    today is a holiday or a closed date.
    """
    if override is not None and override.active(now):
        return OpenStatus(override.open, ScheduleReason.OVERRIDE)
    local = _local(schedule, now)
    seconds = (local.hour * 60 + local.minute) * _SECONDS_PER_MINUTE + local.second
    today = _day_rule(schedule, local.date())
    if any(_covers_from_start(iv, seconds) for iv in today.intervals):
        return OpenStatus(True, today.reason)
    yesterday = _day_rule(schedule, local.date() - timedelta(days=1))
    if any(_covers_tail(iv, seconds) for iv in yesterday.intervals):
        return OpenStatus(True, yesterday.reason)
    return OpenStatus(False, today.closed_reason, today.detail)


def is_open(schedule: Schedule, now: datetime) -> bool:
    """Shorthand for routing, which only needs the yes/no."""
    return status_at(schedule, now).open


def next_open(schedule: Schedule, now: datetime, horizon_days: int = 370) -> datetime | None:
    """First instant >= now when the schedule is open (an aware datetime in the schedule's zone);
    None if never within the horizon.

    An open period can only begin at some interval's start, so the candidates are the real
    instants of each day's interval starts, walked in time order from now's local date. The
    previous day needs no candidates: its starts are all before now, and an overnight tail
    still running would already make ``now`` open. Each candidate is confirmed with
    ``status_at``, which also drops an interval that lies entirely inside a DST gap.
    Instants are compared in UTC because aware datetimes sharing a zone compare by wall clock,
    ignoring ``fold``. Callers beware of the converse (PEP 495): a result inside a fall-back
    repeated hour never compares equal to a datetime of another zone; compare ``.timestamp()``.
    """
    local = _local(schedule, now)
    if status_at(schedule, local).open:
        return local
    tz = local.tzinfo
    after = local.astimezone(UTC)
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for start in sorted({iv.start for iv in _day_rule(schedule, day).intervals}):
            for candidate in _instants_showing(day, start, tz):
                if candidate.astimezone(UTC) > after and is_open(schedule, candidate):
                    return candidate
    return None


def next_close(schedule: Schedule, now: datetime, horizon_days: int = 8) -> datetime | None:
    """First instant after ``now`` when the schedule is closed, if it is open now ("closes
    today at 18:00"); None when closed now or open throughout the horizon.

    A closed period can only begin at some interval's end; back-to-back intervals (09-14,
    14-18) give an end that is still open, which ``is_open`` drops.
    """
    local = _local(schedule, now)
    if not status_at(schedule, local).open:
        return None
    tz, after = local.tzinfo, local.astimezone(UTC)
    ends = []
    for offset in range(-1, horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for iv in _day_rule(schedule, day).intervals:
            end_day = day + timedelta(days=1) if iv.overnight else day
            ends.extend(_instants_showing(end_day, iv.end, tz))
    for candidate in sorted(ends, key=lambda c: c.astimezone(UTC)):
        if candidate.astimezone(UTC) > after and not is_open(schedule, candidate):
            return candidate
    return None


@dataclass(frozen=True)
class HoursNow:
    """What a page says about a schedule: "open, closes today at 18:00"."""

    open: bool
    reason: ScheduleReason
    detail: str                    # the holiday's name, if that is why
    changes_at: datetime | None    # next close when open, next opening when closed


def hours_now(schedule: Schedule, now: datetime,
              override: Override | None = None) -> HoursNow:
    """With an active override, the change is its end (when the hours take over again)."""
    if override is not None and override.active(now):
        return HoursNow(override.open, ScheduleReason.OVERRIDE, "",
                        override.until.astimezone(ZoneInfo(schedule.timezone)))
    status = status_at(schedule, now)
    change = next_close(schedule, now) if status.open else next_open(schedule, now)
    return HoursNow(status.open, status.reason, status.detail, change)


def _local(schedule: Schedule, now: datetime) -> datetime:
    """``now`` in the schedule's zone; a naive datetime has no instant, so it is refused."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got naive {now!r}")
    return now.astimezone(ZoneInfo(schedule.timezone))


def _covers_from_start(interval: Interval, seconds: int) -> bool:
    """Does the part of ``interval`` on its own day include second-of-day ``seconds``?"""
    start = interval.start * _SECONDS_PER_MINUTE
    if interval.overnight:
        return seconds >= start   # runs to midnight, the rest is tomorrow's tail
    return start <= seconds < interval.end * _SECONDS_PER_MINUTE


def _covers_tail(interval: Interval, seconds: int) -> bool:
    """Does yesterday's ``interval`` still run at today's second-of-day ``seconds``?"""
    return interval.overnight and seconds < interval.end * _SECONDS_PER_MINUTE


def _day_rule(schedule: Schedule, day: date) -> _DayRule:
    """The intervals starting on ``day``: closed date, then special day, holiday, weekday.

    Special hours beat a holiday because an owner who sets hours for a date means to open.
    """
    if day in schedule.closed_dates:
        return _DayRule((), ScheduleReason.CLOSED_DATE)
    special = next((s for s in schedule.special if s.date == day), None)
    if special is not None:
        return _DayRule(tuple(special.intervals), ScheduleReason.SPECIAL_HOURS)
    holiday = _holiday_name(schedule.holidays, day)
    if holiday is not None:
        return _DayRule((), ScheduleReason.HOLIDAY, holiday)
    weekly = schedule.weekly.get(WEEKDAYS[day.weekday()], ())
    return _DayRule(tuple(weekly), ScheduleReason.WEEKLY_HOURS)


def holidays_in(region: HolidayRegion, year: int) -> list[tuple[date, str]]:
    """A region's public holidays of ``year``, in date order (shown beside the hours)."""
    return sorted(_holiday_calendar(region.country, region.subdivision, year).items())


def _holiday_name(region: HolidayRegion | None, day: date) -> str | None:
    if region is None:
        return None
    return _holiday_calendar(region.country, region.subdivision, day.year).get(day)


@lru_cache(maxsize=64)
def _holiday_calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    """One year's public holidays, built once per region and year (building is slow).

    The language is pinned to the country's own: left unset, ``holidays`` picks it from the
    process locale (LANG and friends), so names would differ between a shell and a service.
    """
    native = holidays.country_holidays(country, subdiv=subdivision).default_language
    return holidays.country_holidays(country, subdiv=subdivision, years=year, language=native)


def _instants_showing(day: date, minute: int, tz: tzinfo) -> list[datetime]:
    """The real instants whose local wall clock reads ``minute`` after ``day``'s midnight.

    Usually one; two in a fall-back repeated hour (both are kept so a caller in the second
    pass still finds the later one); none inside a spring-forward gap, where the wall clock is
    pushed minute by minute to the first time that exists, i.e. the instant the gap ends.
    """
    wall = datetime.combine(day, time()) + minute * _MINUTE
    found = _real_instants(wall, tz)
    while not found:
        wall += _MINUTE
        found = _real_instants(wall, tz)
    return found


def _real_instants(wall: datetime, tz: tzinfo) -> list[datetime]:
    """Instants showing naive ``wall`` in ``tz``, earliest first, found by a UTC round trip.

    zoneinfo accepts any wall time with either ``fold`` and quietly maps gap times to some
    instant, so a candidate counts only if converting it back gives the same wall time.
    """
    utcs = set()
    for fold in (0, 1):
        utc = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if utc.astimezone(tz).replace(tzinfo=None) == wall:
            utcs.add(utc)
    return [utc.astimezone(tz) for utc in sorted(utcs)]
