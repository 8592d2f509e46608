"""Calendars, services and SLAs as the admin edits them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from sportello.sla.models import Calendar, Holiday, Service, WorkingHours
from sportello.sla.services import working_calendar

pytestmark = pytest.mark.django_db


def test_the_default_calendar_exists_with_office_hours() -> None:
    calendar = Calendar.objects.get(is_default=True)
    assert sorted(h.minutes for h in calendar.hours.all()) == [(480, 1020)] * 5
    computed = working_calendar(None)
    monday = datetime(2026, 3, 2, 16, 0, tzinfo=ZoneInfo(calendar.time_zone))
    assert computed.add(monday, 61) == datetime(2026, 3, 3, 8, 1, tzinfo=monday.tzinfo)


REGIONS = [
    ("DE", "BY", True),
    ("de", "sn", True),
    ("IT", "", True),
    ("XX", "", False),
    ("DE", "ZZ", False),
    ("", "BY", False),
]


@pytest.mark.parametrize(("country", "subdivision", "ok"), REGIONS)
def test_holiday_regions_are_checked(country: str, subdivision: str, ok: bool) -> None:
    calendar = Calendar(name="x", holiday_country=country, holiday_subdivision=subdivision)
    if ok:
        calendar.full_clean()
        assert calendar.holiday_country == country.upper()
    else:
        with pytest.raises(ValidationError):
            calendar.full_clean()


def test_time_zone_and_hours_are_checked() -> None:
    with pytest.raises(ValidationError):
        Calendar(name="x", time_zone="Mars/Olympus").full_clean()
    calendar = Calendar.objects.create(name="Shop", time_zone="Europe/Rome")
    with pytest.raises(ValidationError):
        WorkingHours(calendar=calendar, weekday=0, start=time(17), end=time(8)).full_clean()
    WorkingHours(calendar=calendar, weekday=0, start=time(17), end=time(0)).full_clean()


def test_a_change_of_hours_or_holidays_reaches_the_computed_calendar() -> None:
    calendar = Calendar.objects.create(name="Shop", time_zone="Europe/Rome")
    WorkingHours.objects.create(calendar=calendar, weekday=0, start=time(9), end=time(12))
    calendar.refresh_from_db()
    monday = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Rome"))
    assert working_calendar(calendar).between(monday, monday.replace(day=3)) == 180
    holiday = Holiday.objects.create(calendar=calendar, date=date(2026, 3, 2))
    calendar.refresh_from_db()
    assert working_calendar(calendar).between(monday, monday.replace(day=3)) == 0
    holiday.delete()
    calendar.refresh_from_db()
    assert working_calendar(calendar).between(monday, monday.replace(day=3)) == 180


def test_services_are_a_tree_with_full_names() -> None:
    it = Service.objects.create(name="IT")
    mail = Service.objects.create(name="Mail", parent=it)
    web = Service.objects.create(name="Webmail", parent=mail)
    it.name = "ICT"
    it.save()
    web.refresh_from_db()
    assert web.full_name == "ICT::Mail::Webmail"
    with pytest.raises(ValidationError):
        Service(name="a::b").full_clean()
    it.parent = web
    with pytest.raises(ValidationError):
        it.clean()
