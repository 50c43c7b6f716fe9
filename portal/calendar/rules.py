"""Working days in Việt Nam and the plan's timing rules (plan, section II).

Public holidays come from the `holidays` package (lunar ones included: Tết, Hùng Kings'
day); the Office's HolidayOverride table adds the government's yearly decisions (extra
Tết days, swapped days) and wins over the package. `WorkingCalendar` is pure (it is given
the overrides); `working_calendar` is the one loader that reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from sqlalchemy import select

from portal.calendar.models import DayShift, HolidayOverride
from portal.extensions import db


@lru_cache(maxsize=32)
def vn_holidays(year: int) -> holidays.HolidayBase:
    """Việt Nam's public holidays of `year` from the package, with Vietnamese names."""
    return holidays.country_holidays("VN", years=year, language="vi")


def overrides_between(start: date, end: date) -> dict[date, HolidayOverride]:
    """The Office's overrides in [start, end], one query."""
    rows = db.session.scalars(
        select(HolidayOverride).where(HolidayOverride.day >= start, HolidayOverride.day <= end)
    )
    return {row.day: row for row in rows}


@dataclass(frozen=True)
class DayOverride:
    """The Office's decision for one day: a day off (an extra Tết day) or a working day."""

    name: str
    is_day_off: bool


class WorkingCalendar:
    """Answers "is this a working day?" for a span of dates. Pure: the Office's overrides
    are given (day -> anything with `name` and `is_day_off`); `working_calendar` loads them."""

    def __init__(self, start: date, end: date, overrides: dict | None = None):
        self.start, self.end = start, end
        self.overrides = dict(overrides or {})

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name if `day` is a day off other than a plain weekend, else None."""
        override = self.overrides.get(day)
        if override is not None:
            return override.name if override.is_day_off else None
        return vn_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return not override.is_day_off
        return day.weekday() < 5 and day not in vn_holidays(day.year)

    def shift(self, day: date, rule: DayShift) -> date:
        """Move `day` off weekends and holidays as the rule says."""
        if rule == DayShift.KEEP:
            return day
        step = timedelta(days=1 if rule == DayShift.NEXT else -1)
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError("no working day within 60 days")  # pragma: no cover

    def add_working_days(self, day: date, n: int) -> date:
        """The date `n` working days after (n > 0) or before (n < 0) `day`."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def working_calendar(start: date, end: date) -> WorkingCalendar:
    """The working calendar of [start, end] with the Office's overrides read from the
    database (one query, with a month's margin each side for shifts and offsets)."""
    return WorkingCalendar(start, end, overrides_between(start - timedelta(days=31),
                                                         end + timedelta(days=31)))


def year_calendar(year: int) -> WorkingCalendar:
    return working_calendar(date(year, 1, 1), date(year, 12, 31))


def is_working_day(day: date) -> bool:
    return working_calendar(day, day).is_working_day(day)


def holiday_name(day: date) -> str | None:
    return working_calendar(day, day).holiday_name(day)


def next_working_day(day: date) -> date:
    return working_calendar(day, day + timedelta(days=30)).shift(day, DayShift.NEXT)


def monthly_dates(year: int, day_of_month: int = 15, rule: DayShift = DayShift.NEXT) -> list[date]:
    """The plan's monthly dates: the given day each month, moved as `rule` says."""
    cal = year_calendar(year)
    return [cal.shift(date(year, month, day_of_month), rule) for month in range(1, 13)]


# --------------------------------------------------------------------------- the year's days off
# (added for the plans page: the package's holidays beside the Office's overrides)


@dataclass(frozen=True)
class HolidayEntry:
    """One day of the year that the package or the Office marks: its name and what wins."""

    day: date
    name: str  # the name in effect: the override's if there is one, else the package's
    is_day_off: bool  # the outcome: a day off, or (an override) a working day
    package_name: str | None  # what the `holidays` package says of the day, if anything
    override: HolidayOverride | None  # the Office's decision for the day, if any


def year_holidays(year: int) -> list[HolidayEntry]:
    """The package's holidays of `year` and the Office's overrides, merged by day (one query)."""
    package = vn_holidays(year)
    overrides = overrides_between(date(year, 1, 1), date(year, 12, 31))
    entries = []
    for day in sorted(set(package) | set(overrides)):
        override = overrides.get(day)
        package_name = package.get(day)
        if override is not None:
            entries.append(HolidayEntry(day, override.name, override.is_day_off, package_name,
                                        override))
        else:
            entries.append(HolidayEntry(day, package_name, True, package_name, None))
    return entries
