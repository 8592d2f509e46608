# The article flags moved from the web app to tickets: the web app's table and its rows are
# taken over (renamed), not created anew.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0013_ticket_without_redundant_indexes"),
        ("web", "0003_widget_filter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ArticleFlag",
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
                        ("seen", models.BooleanField(default=False, verbose_name="seen")),
                        ("marked", models.BooleanField(default=False, verbose_name="marked")),
                        (
                            "agent",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="agent",
                            ),
                        ),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="tickets.article",
                                verbose_name="article",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "article flag",
                        "verbose_name_plural": "article flags",
                        "db_table": "web_articleflag",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("agent", "article"), name="article_flag_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="ArticleFlag", table=None),
    ]
