"""Time in Japan: the JST zone, today's date, and how dates are written (西暦 and 和暦).

Deadlines, in-person days and certificate dates are Japanese calendar days, whatever the server's
zone; timestamps are stored in UTC and shown in Japan time. Every rule about that lives here.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")  # needs the tzdata package where the system has no zone database

#: Eras newest first: (name, first day). A date belongs to the first era that began on or before it.
ERAS = (
    ("令和", date(2019, 5, 1)),
    ("平成", date(1989, 1, 8)),
    ("昭和", date(1926, 12, 25)),
)


def today() -> date:
    """Today in Japan."""
    return datetime.now(JST).date()


def local_date(value: date | datetime) -> date:
    """The calendar day of ``value`` in Japan (a ``date`` is taken as it is)."""
    if isinstance(value, datetime):
        return value.astimezone(JST).date()
    return value


def local_datetime(value: datetime) -> datetime:
    """``value`` in Japan time."""
    return value.astimezone(JST)


def jdate(value: date | datetime | None) -> str:
    """2026年11月26日"""
    if value is None:
        return ""
    local = local_date(value)
    return f"{local.year}年{local.month}月{local.day}日"


def jdatetime(value: datetime | None) -> str:
    """2026年11月26日 19:05"""
    if value is None:
        return ""
    return f"{jdate(value)} {local_datetime(value):%H:%M}"


def short_date(value: date | datetime | None) -> str:
    """9/26 (Japan time), for tables."""
    if value is None:
        return ""
    local = local_date(value)
    return f"{local.month}/{local.day}"


def wareki(value: date | datetime | None) -> str:
    """令和8年9月26日 (the first year of an era is 元年); dates before 昭和 fall back to 西暦."""
    if value is None:
        return ""
    local = local_date(value)
    for era, first_day in ERAS:
        if local >= first_day:
            year = local.year - first_day.year + 1
            return f"{era}{'元' if year == 1 else year}年{local.month}月{local.day}日"
    return jdate(local)
