"""The system user (automatic actions are recorded under it) and OTRS's default groups."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("accounts", "Group")
    if not User.objects.filter(username="system").exists():
        User.objects.create(
            username="system",
            first_name="Sportello",
            last_name="System",
            is_system=True,
            is_active=True,
            password="!",  # noqa: S106 -- unusable: the system user never logs in
        )
    for name, comment in [
        ("admin", "Group of all administrators."),
        ("stats", "Group for statistics access."),
        ("users", "Group for default access."),
    ]:
        Group.objects.get_or_create(name=name, defaults={"comment": comment})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
