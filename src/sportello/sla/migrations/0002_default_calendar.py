"""The default calendar: Monday to Friday, 08:00-17:00, in the installation's time zone."""

from datetime import time

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    WorkingHours = apps.get_model("sla", "WorkingHours")
    if Calendar.objects.filter(is_default=True).exists():
        return
    calendar, _created = Calendar.objects.get_or_create(
        name="Default",
        defaults={"time_zone": settings.TIME_ZONE, "is_default": True},
    )
    for weekday in range(5):
        WorkingHours.objects.get_or_create(
            calendar=calendar, weekday=weekday, start=time(8, 0), end=time(17, 0)
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_calendars_services_slas")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
