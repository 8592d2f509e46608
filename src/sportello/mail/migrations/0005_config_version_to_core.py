# The configuration version belongs to core now (core 0001 took over the table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0004_config_version"),
        ("core", "0001_config_version_from_mail"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ConfigVersion")],
        ),
    ]
