"""The full-text index of each database: a GIN index on PostgreSQL, FTS5 on SQLite."""

from typing import Any

from django.db import migrations

POSTGRES = [
    "CREATE INDEX search_document_gin ON search_ticketdocument USING gin (document)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS search_document_gin"]

# An external-content FTS5 table over search_ticketdocument.text; the triggers keep it
# in step with every insert, update and delete (also the test runner's flush).
SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "text, content='search_ticketdocument', content_rowid='ticket_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_ticketdocument BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.ticket_id, new.text); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_ticketdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.ticket_id, old.text); "
    "END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_ticketdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.ticket_id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.ticket_id, new.text); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
