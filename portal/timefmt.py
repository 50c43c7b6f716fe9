"""Dates and times as the Office writes them: dd/mm/yyyy, 24-hour, Asia/Ho_Chi_Minh."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def local_to_utc(day: date, at: time) -> datetime:
    """The instant of a wall-clock date and time in Việt Nam."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def admin_date_line(place: str, day: date) -> str:
    """`Bắc Giang, ngày 05 tháng 3 năm 2024` (Decree 30/2020: day < 10 and months 1–2 padded)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
