"""The spam action needs the Junk queue and the "closed spam" state: create them if an
installation removed them."""

from django.db import migrations


def forwards(apps, schema_editor):
    State = apps.get_model("tickets", "State")
    Queue = apps.get_model("queues", "Queue")
    Group = apps.get_model("accounts", "Group")
    State.objects.get_or_create(
        name="closed spam", defaults={"type": "closed", "comment": "Ticket closed as spam."}
    )
    if not Queue.objects.filter(full_name="Junk").exists():
        raw = Queue.objects.filter(full_name="Raw").first()
        group = raw.group if raw else Group.objects.get(name="users")
        Queue.objects.create(
            name="Junk",
            full_name="Junk",
            group=group,
            system_address=raw.system_address if raw else None,
            comment="All junk tickets.",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_master_slave_dynamic_fields"),
        ("queues", "0002_initial_data"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
