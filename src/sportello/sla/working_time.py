"""Working time: "add N working minutes to a moment" and "working minutes between two
moments" on a business calendar.

A calendar is a time zone, working ranges per weekday in local wall-clock time, and
holidays. Each local day becomes a tuple of working intervals in UTC microseconds (the
local range converted with the zone's offset of that day, so DST changes are exact: a
working range that spans the change is an hour shorter or longer in real time). Days are
computed once per calendar and cached; adding and measuring then walk day by day over
integers, skipping days without work by their cached total.

Times inside a DST gap (02:30 on the spring-forward night) resolve with the offset before
the change (``fold=0``), as zoneinfo does; a range whose end would come before its start
that night is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

US_PER_MINUTE = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
# No calendar walks further than this looking for working time (a calendar without any
# working hours would otherwise loop for ever).
MAX_DAYS = 3 * 366

# (start, end) in minutes after local midnight; end 1440 is the following midnight.
Range = tuple[int, int]
Interval = tuple[int, int]


class NoWorkingTime(ValueError):
    """The calendar has no working time within ``MAX_DAYS`` of the start."""


@lru_cache(maxsize=512)
def public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The public holidays of a country (and subdivision) in one year, from ``holidays``."""
    if not country:
        return frozenset()
    import holidays

    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(found.keys())


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("working time needs aware datetimes")
    return (moment - _EPOCH) // _ONE_US


def _from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


@dataclass
class WorkingCalendar:
    """A business calendar, independent of the database (see ``sla.models.Calendar``)."""

    time_zone: str
    # weekday (Monday 0) -> ranges, sorted and not overlapping
    hours: dict[int, list[Range]]
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day)
    holidays: frozenset[date] = frozenset()  # one-off dates
    country: str = ""
    subdivision: str = ""
    _zone: ZoneInfo = field(init=False, repr=False)
    _days: dict[date, tuple[Interval, ...]] = field(init=False, repr=False)
    _totals: dict[date, int] = field(init=False, repr=False)
    # Working time of the days before a day, from the first day asked (``offset_us``).
    _before: dict[date, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.time_zone)
        self._days = {}
        self._totals = {}
        self._before = {}
        self.hours = {day: _normalized(ranges) for day, ranges in self.hours.items()}

    # -- days ---------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        return (
            day in self.holidays
            or (day.month, day.day) in self.yearly_holidays
            or day in public_holidays(self.country, self.subdivision, day.year)
        )

    def intervals(self, day: date) -> tuple[Interval, ...]:
        """Working intervals of a local day, in UTC microseconds, ascending."""
        found = self._days.get(day)
        if found is None:
            found = self._build(day)
            self._days[day] = found
            self._totals[day] = sum(end - start for start, end in found)
        return found

    def _build(self, day: date) -> tuple[Interval, ...]:
        ranges = self.hours.get(day.weekday(), [])
        if not ranges or self.is_holiday(day):
            return ()
        result: list[Interval] = []
        for start, end in ranges:
            begin_us = self._local_us(day, start)
            end_us = self._local_us(day, end)
            if end_us > begin_us:
                result.append((begin_us, end_us))
        return tuple(result)

    def _local_us(self, day: date, minute: int) -> int:
        if minute >= 1440:
            day, minute = day + _ONE_DAY, minute - 1440
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self._zone)
        return _to_us(local)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    def total(self, day: date) -> int:
        if day not in self._totals:
            self.intervals(day)
        return self._totals[day]

    # -- the two operations -------------------------------------------------------------

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment at which ``minutes`` working minutes after ``start`` have passed.
        Zero (or less) is ``start`` itself.

        In UTC: Python compares two datetimes of the same zone by their wall clock,
        ignoring ``fold``, so in the hour a DST change repeats a later moment could
        compare as earlier; UTC moments always compare right."""
        remaining = round(minutes * US_PER_MINUTE)
        if remaining <= 0:
            return start
        now = _to_us(start)
        day = self.local_date(start)
        for _ in range(MAX_DAYS):
            if self.total(day):
                for begin, end in self.intervals(day):
                    if end <= now:
                        continue
                    begin = max(begin, now)
                    available = end - begin
                    if remaining <= available:
                        return _from_us(begin + remaining)
                    remaining -= available
            day += _ONE_DAY
        raise NoWorkingTime(f"no working time within {MAX_DAYS} days of {start.isoformat()}")

    def between_us(self, start: datetime, end: datetime) -> int:
        """Working time from ``start`` to ``end`` in microseconds (0 if end <= start)."""
        first, last = _to_us(start), _to_us(end)
        if last <= first:
            return 0
        day, last_day = self.local_date(start), self.local_date(end)
        result = 0
        while day <= last_day:
            if self.total(day):
                for begin, finish in self.intervals(day):
                    overlap = min(finish, last) - max(begin, first)
                    if overlap > 0:
                        result += overlap
            day += _ONE_DAY
        return result

    def offset_us(self, moment: datetime) -> int:
        """Working time up to ``moment`` from a fixed, arbitrary origin (the first day this
        calendar was asked about): ``offset_us(b) - offset_us(a) == between_us(a, b)`` for
        ``a <= b``. For reports over many spans: each costs two lookups, not a day walk."""
        day = self.local_date(moment)
        before = self._before
        if day not in before:
            if not before:
                before[day] = 0
            else:
                low, high = min(before), max(before)
                while high < day:
                    before[high + _ONE_DAY] = before[high] + self.total(high)
                    high += _ONE_DAY
                while low > day:
                    before[low - _ONE_DAY] = before[low] - self.total(low - _ONE_DAY)
                    low -= _ONE_DAY
        now = _to_us(moment)
        within = sum(min(end, now) - begin for begin, end in self.intervals(day) if begin < now)
        return before[day] + within

    def between(self, start: datetime, end: datetime) -> float:
        """Working minutes from ``start`` to ``end`` (0 if end <= start)."""
        return self.between_us(start, end) / US_PER_MINUTE

    def is_working(self, moment: datetime) -> bool:
        now = _to_us(moment)
        day = self.local_date(moment)
        return any(begin <= now < end for begin, end in self.intervals(day))


def _normalized(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, within the day, overlapping or touching ranges joined."""
    merged: list[Range] = []
    for start, end in sorted((max(0, s), min(1440, e)) for s, e in ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
