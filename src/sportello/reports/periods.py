"""Periods and time buckets in the reader's time zone.

Buckets are computed here as UTC boundaries (so a day across a DST change has 23 or 25
hours and a week starts on the local Monday) and handed to the SQL as a small table;
the database only compares timestamps, the same on PostgreSQL and SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import formats
from django.utils.translation import gettext as _

from sportello.core.errors import InvalidInput
from sportello.reports.config import Period

MAX_BUCKETS = 10_000


@dataclass(frozen=True)
class Bucket:
    start: datetime  # aware, in the reader's zone
    end: datetime  # exclusive
    label: str


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def resolve(period: Period, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``period`` as aware datetimes in ``zone``."""
    today = now.astimezone(zone).date()
    if period.relative is None:
        assert period.start is not None and period.end is not None
        return _midnight(period.start, zone), _midnight(period.end + timedelta(days=1), zone)
    monday = today - timedelta(days=today.weekday())
    first, last = {
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
        "this_week": (monday, monday + timedelta(days=7)),
        "last_week": (monday - timedelta(days=7), monday),
        "this_month": (_month_start(today), _month_start(today, -1)),
        "last_month": (_month_start(today, 1), _month_start(today)),
        "last_7_days": (today - timedelta(days=6), today + timedelta(days=1)),
        "last_30_days": (today - timedelta(days=29), today + timedelta(days=1)),
        "last_12_months": (_month_start(today, 11), _month_start(today, -1)),
        "this_year": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "last_year": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
    }[period.relative]
    return _midnight(first, zone), _midnight(last, zone)


def _next(moment: datetime, granularity: str, zone: tzinfo) -> datetime:
    local = moment.astimezone(zone)
    day = local.date()
    if granularity == "hour":
        # Hours step in UTC: a DST change gives the local day 23 or 25 of them.
        return (moment.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
    if granularity == "day":
        return _midnight(day + timedelta(days=1), zone)
    if granularity == "week":
        return _midnight(day + timedelta(days=7 - day.weekday()), zone)
    if granularity == "month":
        return _midnight(_month_start(day, -1), zone)
    if granularity == "quarter":
        return _midnight(_month_start(_month_start(day), -(3 - (day.month - 1) % 3)), zone)
    return _midnight(date(day.year + 1, 1, 1), zone)


def _label(start: datetime, granularity: str) -> str:
    if granularity == "hour":
        return formats.date_format(start, "SHORT_DATETIME_FORMAT")
    if granularity == "day":
        return formats.date_format(start, "SHORT_DATE_FORMAT")
    if granularity == "week":
        year, week, _day = start.isocalendar()
        return _("Week %(week)s/%(year)s") % {"week": week, "year": year}
    if granularity == "month":
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def buckets(start: datetime, end: datetime, granularity: str, zone: tzinfo) -> list[Bucket]:
    """The periods of ``granularity`` covering ``[start, end)``; the first and last are
    cut to the range."""
    result: list[Bucket] = []
    lower = start.astimezone(zone)
    while lower < end:
        upper = min(_next(lower, granularity, zone), end)
        result.append(Bucket(lower, upper, _label(lower, granularity)))
        lower = upper
        if len(result) > MAX_BUCKETS:
            raise InvalidInput(
                _("The period has more than %(max)s intervals: choose a coarser one."),
                max=MAX_BUCKETS,
            )
    return result
