"""Drop the single-column indexes on the ticket's queue, state, owner and responsible: a
composite index of the ticket leads with each column (``Ticket.Meta.indexes``).

Only the indexes are dropped (the same statement on SQLite and PostgreSQL): an
``AlterField`` would rebuild the table on SQLite and lose its tally triggers."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the indexes of db_index=True on these columns.
_INDEXES = {
    "queue_id": "tickets_ticket_queue_id_0d3cb9ef",
    "state_id": "tickets_ticket_state_id_e9a10411",
    "owner_id": "tickets_ticket_owner_id_40236788",
    "responsible_id": "tickets_ticket_responsible_id_bd5c2f96",
}


def _drop(name: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "tickets_ticket" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0004_merge_20261130_2011"),
        ("tickets", "0012_article_raw_in_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[_drop(name, column) for column, name in _INDEXES.items()],
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="queue",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="queues.queue",
                        verbose_name="queue",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="responsible",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="responsible_tickets",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="responsible",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="state",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tickets.state",
                        verbose_name="state",
                    ),
                ),
            ],
        ),
    ]
