"""Timing rules of the plan: a fixed day each month moves off weekends and public holidays."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def vn_holidays(year: int) -> holidays.HolidayBase:
    """Việt Nam's public holidays of `year`, lunar ones (Tết, Hùng Kings) included."""
    return holidays.country_holidays("VN", years=year, language="vi")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in vn_holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def monthly_dates(year: int, day_of_month: int = 15) -> list[date]:
    """The plan's monthly dates: the given day, moved to the next working day when needed."""
    return [next_working_day(date(year, month, day_of_month)) for month in range(1, 13)]
