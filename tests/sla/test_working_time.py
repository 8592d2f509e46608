"""Working time: properties over random calendars and moments, and the edges by hand
(DST weekends of Berlin and Rome, holidays, weekends, outside working hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.sla.working_time import NoWorkingTime, WorkingCalendar

BERLIN = ZoneInfo("Europe/Berlin")
ROME = ZoneInfo("Europe/Rome")
OFFICE = {d: [(480, 1020)] for d in range(5)}  # Mon-Fri 08:00-17:00
ALWAYS = {d: [(0, 1440)] for d in range(7)}


def office(zone: str = "Europe/Berlin", **kwargs: object) -> WorkingCalendar:
    return WorkingCalendar(time_zone=zone, hours=OFFICE, **kwargs)  # type: ignore[arg-type]


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


# -- properties ------------------------------------------------------------------------

# At least an hour on at least two days a week: MAX_DAYS always suffices.
ranges = st.lists(
    st.tuples(st.integers(0, 1380), st.integers(60, 720)).map(lambda r: (r[0], min(1440, sum(r)))),
    min_size=1,
    max_size=3,
)
calendars = st.builds(
    lambda zone, days, hours, country: WorkingCalendar(
        time_zone=zone, hours=dict.fromkeys(days, hours), country=country
    ),
    st.sampled_from(["Europe/Berlin", "Europe/Rome", "UTC", "America/New_York"]),
    st.sets(st.integers(0, 6), min_size=2),
    ranges,
    st.sampled_from(["", "DE", "IT"]),
)
moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([BERLIN, ROME, UTC]),
    allow_imaginary=False,
)
minutes = st.integers(0, 10_000)


@settings(max_examples=150, deadline=None)
@given(calendars, moments, minutes)
def test_adding_then_measuring_gives_the_minutes_back(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    end = calendar.add(start, n)
    assert end >= start
    assert calendar.between(start, end) == n


@settings(max_examples=100, deadline=None)
@given(calendars, moments, minutes, minutes)
def test_adding_is_monotonic(calendar: WorkingCalendar, start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert calendar.add(start, low) <= calendar.add(start, high)


@settings(max_examples=100, deadline=None)
@given(calendars, moments, st.integers(0, 20 * 24 * 60), st.integers(0, 20 * 24 * 60))
def test_measuring_is_additive_and_monotonic(
    calendar: WorkingCalendar, start: datetime, x: int, y: int
) -> None:
    middle = start + timedelta(minutes=x)
    end = middle + timedelta(minutes=y)
    first, second = calendar.between(start, middle), calendar.between(middle, end)
    assert calendar.between(start, end) == pytest.approx(first + second, abs=1e-9)
    assert 0 <= first <= x and 0 <= second <= y
    assert calendar.between(end, start) == 0


@settings(max_examples=100, deadline=None)
@given(calendars, st.lists(moments, min_size=2, max_size=6))
def test_offsets_from_one_origin_measure_as_between_does(
    calendar: WorkingCalendar, points: list[datetime]
) -> None:
    # The first point fixes the origin; later ones extend it both ways.
    for start in points:
        for end in points:
            if start <= end:
                span = calendar.offset_us(end) - calendar.offset_us(start)
                assert span == calendar.between_us(start, end)


@settings(max_examples=100, deadline=None)
@given(calendars, moments, st.integers(1, 10_000))
def test_a_due_time_is_reached_in_working_time(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    end = calendar.add(start, n)
    # The last microsecond before it was working time (it ends a working stretch).
    assert calendar.is_working(end - timedelta(microseconds=1))


# -- edges by hand ---------------------------------------------------------------------


def test_outside_working_hours_the_clock_starts_next_morning() -> None:
    calendar = office()
    evening = at(BERLIN, 2026, 3, 3, 19, 30)  # Tuesday
    assert calendar.add(evening, 60) == at(BERLIN, 2026, 3, 4, 9, 0)
    early = at(BERLIN, 2026, 3, 4, 6, 0)
    assert calendar.add(early, 30) == at(BERLIN, 2026, 3, 4, 8, 30)
    assert calendar.between(evening, early) == 0


def test_the_end_of_the_day_is_reached_not_skipped() -> None:
    calendar = office()
    assert calendar.add(at(BERLIN, 2026, 3, 4, 16, 0), 60) == at(BERLIN, 2026, 3, 4, 17, 0)
    assert calendar.add(at(BERLIN, 2026, 3, 4, 16, 0), 61) == at(BERLIN, 2026, 3, 5, 8, 1)


def test_weekends_are_skipped() -> None:
    calendar = office()
    friday = at(BERLIN, 2026, 3, 6, 16, 0)
    assert calendar.add(friday, 120) == at(BERLIN, 2026, 3, 9, 9, 0)
    assert calendar.between(friday, at(BERLIN, 2026, 3, 9, 9, 0)) == 120


def test_several_ranges_a_day() -> None:
    calendar = WorkingCalendar(time_zone="Europe/Rome", hours={0: [(480, 720), (780, 1020)]})
    monday = at(ROME, 2026, 3, 2, 11, 0)
    assert calendar.add(monday, 90) == at(ROME, 2026, 3, 2, 13, 30)  # lunch 12-13 skipped
    assert calendar.between(monday, at(ROME, 2026, 3, 2, 18, 0)) == 60 + 240
    assert calendar.add(at(ROME, 2026, 3, 2, 12, 30), 1) == at(ROME, 2026, 3, 2, 13, 1)


def test_berlin_spring_forward_weekend() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST.
    calendar = office()
    friday = at(BERLIN, 2026, 3, 27, 16, 0)  # 15:00 UTC
    due = calendar.add(friday, 120)
    assert due == at(BERLIN, 2026, 3, 30, 9, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    always = WorkingCalendar(time_zone="Europe/Berlin", hours=ALWAYS)
    saturday_noon = at(BERLIN, 2026, 3, 28, 12, 0)
    # The Sunday has 23 hours: a day of working time ends at 13:00 local.
    assert always.add(saturday_noon, 24 * 60) == at(BERLIN, 2026, 3, 29, 13, 0)
    assert always.between(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30)) == 23 * 60


def test_berlin_fall_back_weekend() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET.
    always = WorkingCalendar(time_zone="Europe/Berlin", hours=ALWAYS)
    saturday_noon = at(BERLIN, 2026, 10, 24, 12, 0)
    assert always.add(saturday_noon, 24 * 60) == at(BERLIN, 2026, 10, 25, 11, 0)
    assert always.between(at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26)) == 25 * 60
    calendar = office()
    assert calendar.add(at(BERLIN, 2026, 10, 23, 16, 30), 60) == at(BERLIN, 2026, 10, 26, 8, 30)


def test_rome_dst_weekends_with_night_shift() -> None:
    # A night range across 02:00-03:00: 60 minutes shorter in spring, longer in autumn.
    night = {d: [(60, 240)] for d in range(7)}  # 01:00-04:00 every day
    calendar = WorkingCalendar(time_zone="Europe/Rome", hours=night)
    assert calendar.between(at(ROME, 2026, 3, 29), at(ROME, 2026, 3, 30)) == 120
    assert calendar.between(at(ROME, 2026, 3, 28), at(ROME, 2026, 3, 29)) == 180
    assert calendar.between(at(ROME, 2026, 10, 25), at(ROME, 2026, 10, 26)) == 240
    start = at(ROME, 2026, 3, 29, 1, 0)
    assert calendar.add(start, 120) == at(ROME, 2026, 3, 29, 4, 0)
    assert calendar.add(start, 121) == at(ROME, 2026, 3, 30, 1, 1)


def test_public_holidays_by_subdivision() -> None:
    bavaria = office(country="DE", subdivision="BY")
    saxony = office(country="DE", subdivision="SN")
    # 6 January 2026 (Tuesday): Epiphany in Bavaria, a working day in Saxony.
    morning = at(BERLIN, 2026, 1, 5, 16, 0)
    assert bavaria.add(morning, 120) == at(BERLIN, 2026, 1, 7, 9, 0)
    assert saxony.add(morning, 120) == at(BERLIN, 2026, 1, 6, 9, 0)
    # 18 November 2026 (Wednesday): Repentance Day in Saxony only.
    assert saxony.is_holiday(date(2026, 11, 18)) and not bavaria.is_holiday(date(2026, 11, 18))
    italy = office("Europe/Rome", country="IT")
    assert italy.is_holiday(date(2026, 8, 14)) is False
    assert italy.between(at(ROME, 2026, 8, 14), at(ROME, 2026, 8, 18)) == 2 * 540  # 15th a Sat


def test_fixed_yearly_and_one_off_holidays() -> None:
    calendar = office(yearly_holidays=frozenset({(12, 24)}), holidays=frozenset({date(2026, 3, 4)}))
    assert calendar.is_holiday(date(2031, 12, 24))
    assert calendar.add(at(BERLIN, 2026, 3, 3, 17, 0), 1) == at(BERLIN, 2026, 3, 5, 8, 1)
    assert not calendar.is_holiday(date(2027, 3, 4))


def test_zero_minutes_and_an_empty_calendar() -> None:
    start = at(BERLIN, 2026, 3, 7, 23, 0)
    assert office().add(start, 0) == start
    with pytest.raises(NoWorkingTime):
        WorkingCalendar(time_zone="UTC", hours={}).add(start, 1)
    with pytest.raises(ValueError, match="aware"):
        office().add(datetime(2026, 1, 1), 5)


def test_midnight_end_and_overlapping_ranges_are_joined() -> None:
    calendar = WorkingCalendar(time_zone="UTC", hours={0: [(600, 900), (800, 1440), (0, 0)]})
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert calendar.between(monday, monday + timedelta(days=1)) == 840


def test_results_in_the_repeated_dst_hour_compare_in_order() -> None:
    # Europe/Berlin repeats 02:00-03:00 on 2024-10-27; a calendar working 00:00-01:00 UTC
    # ends exactly in that hour. Same-zone datetimes would compare by wall clock
    # (02:01 CEST "after" 02:00 CET); the results are UTC and compare by the instant.
    calendar = WorkingCalendar(time_zone="UTC", hours={key: [(0, 60)] for key in range(7)})
    start = datetime(2024, 10, 27, 0, 0, tzinfo=BERLIN)
    one, sixty = calendar.add(start, 1), calendar.add(start, 60)
    assert one < sixty
    assert sixty - one == timedelta(minutes=59)
