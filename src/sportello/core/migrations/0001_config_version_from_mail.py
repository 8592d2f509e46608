# The configuration version moved from mail to core: the mail app's table and its row are
# taken over (renamed), not created anew.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("mail", "0004_config_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ConfigVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "token",
                            models.CharField(blank=True, max_length=32, verbose_name="token"),
                        ),
                    ],
                    options={
                        "verbose_name": "configuration version",
                        "verbose_name_plural": "configuration versions",
                        "db_table": "mail_configversion",
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="ConfigVersion", table=None),
    ]
