"""History is evidence: the database itself refuses UPDATE and DELETE on it.

PostgreSQL: a trigger function raises for every row. SQLite: triggers RAISE(ABORT); the
DELETE trigger lets ``flush`` empty a whole database through a function only this
application registers (sportello.core.db), so other clients are refused as well.
"""

from django.db import migrations

TABLE = "tickets_history"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION sportello_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ticket history is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION sportello_history_append_only();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS history_append_only ON {TABLE};
DROP FUNCTION IF EXISTS sportello_history_append_only();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER history_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER history_no_delete BEFORE DELETE ON {TABLE}
        WHEN sportello_history_purge_allowed() IS NOT 1
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only (DELETE refused)'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS history_no_update",
    "DROP TRIGGER IF EXISTS history_no_delete",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)
    else:
        raise RuntimeError(f"unsupported database vendor {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_initial_data")]
    operations = [migrations.RunPython(forwards, backwards)]
