"""Ticket tallies (``TicketTally``) kept by triggers on the ticket table, and filled
from the tickets there are.

Triggers rather than application code: every way a ticket row changes (the actions,
merges, bulk actions, jobs, the benchmark's bulk loads, an administrator's SQL) keeps
the tallies exact in the same transaction. Each change adds or subtracts on the row of
its combination (``n = n + 1``), created by an upsert under the unique constraint, so
concurrent changes never read-modify-write.

PostgreSQL: inserts and deletes by statement triggers with transition tables (one
grouped upsert per statement, in key order: a bulk load of 10,000 tickets writes a few
hundred tally rows once each); updates by a row trigger that fires only when one of the
five columns changed and touches its two rows in key order, so two transactions moving
tickets in opposite directions take the row locks in the same order. SQLite: row
triggers (writers are serialised anyway).
"""

# ruff: noqa: S608  (constant table and column names only: no input reaches the SQL)
import django.db.models.deletion
from django.db import migrations, models

KEY = "queue_id, state_id, lock, priority_id, type_id"
TALLY = "tickets_tickettally"
TICKET = "tickets_ticket"


POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION sportello_tally_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO {TALLY} AS t ({KEY}, n)
    SELECT {KEY}, count(*) FROM new_rows GROUP BY {KEY} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sportello_tally_deleted() RETURNS trigger AS $$
BEGIN
    UPDATE {TALLY} AS t SET n = t.n - d.n
    FROM (SELECT {KEY}, count(*) AS n FROM old_rows GROUP BY {KEY} ORDER BY {KEY}) AS d
    WHERE (t.queue_id, t.state_id, t.lock, t.priority_id, t.type_id)
        = (d.queue_id, d.state_id, d.lock, d.priority_id, d.type_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sportello_tally_add(
    q bigint, s bigint, l varchar, p bigint, ty bigint, delta integer
) RETURNS void AS $$
BEGIN
    INSERT INTO {TALLY} AS t ({KEY}, n) VALUES (q, s, l, p, ty, delta)
    ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + EXCLUDED.n;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sportello_tally_updated() RETURNS trigger AS $$
BEGIN
    IF (OLD.queue_id, OLD.state_id, OLD.lock, OLD.priority_id, OLD.type_id)
        < (NEW.queue_id, NEW.state_id, NEW.lock, NEW.priority_id, NEW.type_id) THEN
        PERFORM sportello_tally_add(
            OLD.queue_id, OLD.state_id, OLD.lock, OLD.priority_id, OLD.type_id, -1);
        PERFORM sportello_tally_add(
            NEW.queue_id, NEW.state_id, NEW.lock, NEW.priority_id, NEW.type_id, 1);
    ELSE
        PERFORM sportello_tally_add(
            NEW.queue_id, NEW.state_id, NEW.lock, NEW.priority_id, NEW.type_id, 1);
        PERFORM sportello_tally_add(
            OLD.queue_id, OLD.state_id, OLD.lock, OLD.priority_id, OLD.type_id, -1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ticket_tally_insert AFTER INSERT ON {TICKET}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_tally_inserted();
CREATE TRIGGER ticket_tally_delete AFTER DELETE ON {TICKET}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sportello_tally_deleted();
CREATE TRIGGER ticket_tally_update
    AFTER UPDATE OF queue_id, state_id, lock, priority_id, type_id ON {TICKET}
    FOR EACH ROW
    WHEN ((OLD.queue_id, OLD.state_id, OLD.lock, OLD.priority_id, OLD.type_id)
        IS DISTINCT FROM (NEW.queue_id, NEW.state_id, NEW.lock, NEW.priority_id, NEW.type_id))
    EXECUTE FUNCTION sportello_tally_updated();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS ticket_tally_insert ON {TICKET};
DROP TRIGGER IF EXISTS ticket_tally_delete ON {TICKET};
DROP TRIGGER IF EXISTS ticket_tally_update ON {TICKET};
DROP FUNCTION IF EXISTS sportello_tally_inserted();
DROP FUNCTION IF EXISTS sportello_tally_deleted();
DROP FUNCTION IF EXISTS sportello_tally_updated();
DROP FUNCTION IF EXISTS sportello_tally_add(bigint, bigint, varchar, bigint, bigint, integer);
"""


def _sqlite_add(row: str, delta: str) -> str:
    values = f"{row}.queue_id, {row}.state_id, {row}.lock, {row}.priority_id, {row}.type_id"
    return (
        f"INSERT INTO {TALLY} ({KEY}, n) VALUES ({values}, {delta}) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n;"
    )


SQLITE_FORWARD = [
    f"""CREATE TRIGGER ticket_tally_insert AFTER INSERT ON {TICKET}
        BEGIN {_sqlite_add("NEW", "1")} END""",
    f"""CREATE TRIGGER ticket_tally_delete AFTER DELETE ON {TICKET}
        BEGIN {_sqlite_add("OLD", "-1")} END""",
    f"""CREATE TRIGGER ticket_tally_update
        AFTER UPDATE OF queue_id, state_id, lock, priority_id, type_id ON {TICKET}
        WHEN OLD.queue_id IS NOT NEW.queue_id OR OLD.state_id IS NOT NEW.state_id
            OR OLD.lock IS NOT NEW.lock OR OLD.priority_id IS NOT NEW.priority_id
            OR OLD.type_id IS NOT NEW.type_id
        BEGIN {_sqlite_add("OLD", "-1")} {_sqlite_add("NEW", "1")} END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ticket_tally_insert",
    "DROP TRIGGER IF EXISTS ticket_tally_delete",
    "DROP TRIGGER IF EXISTS ticket_tally_update",
]
FILL = f"""INSERT INTO {TALLY} ({KEY}, n)
    SELECT {KEY}, count(*) FROM {TICKET} GROUP BY {KEY}"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Lock out ticket writes between the fill and the triggers.
        schema_editor.execute(f"LOCK TABLE {TICKET} IN SHARE ROW EXCLUSIVE MODE", params=None)
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
    else:
        raise RuntimeError(f"unsupported database vendor {vendor}")
    schema_editor.execute(FILL, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0004_merge_20261130_2011"),
        ("tickets", "0009_history_types_of_all_areas"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lock",
                    models.CharField(
                        choices=[("lock", "locked"), ("unlock", "unlocked")], max_length=10
                    ),
                ),
                ("n", models.BigIntegerField(default=0)),
                (
                    "priority",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tickets.priority",
                    ),
                ),
                (
                    "queue",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="queues.queue",
                    ),
                ),
                (
                    "state",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tickets.state",
                    ),
                ),
                (
                    "type",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tickets.tickettype",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("queue", "state", "lock", "priority", "type"),
                        name="ticket_tally_key",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
