"""The FAQ's full-text indexes, as the ticket index (search 0002): on PostgreSQL GIN
indexes on the tsvector of the normalized words, on SQLite external-content FTS5
tables kept in step by triggers. One for the current text (agents), one for the
published version (customers, the public, request-form suggestions)."""

from typing import Any

from django.db import migrations

POSTGRES = [
    "CREATE INDEX kb_fts_gin ON kb_faqitem "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX kb_published_fts_gin ON kb_faqitem "
    "USING gin (to_tsvector('simple'::regconfig, published_search))",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS kb_fts_gin",
    "DROP INDEX IF EXISTS kb_published_fts_gin",
]

SQLITE = [
    "CREATE VIRTUAL TABLE kb_fts USING fts5(search_text, content='kb_faqitem', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_faqitem BEGIN "
    "INSERT INTO kb_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_faqitem BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER kb_fts_update AFTER UPDATE OF search_text ON kb_faqitem BEGIN "
    "INSERT INTO kb_fts(kb_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO kb_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE VIRTUAL TABLE kb_published_fts USING fts5(published_search, content='kb_faqitem', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER kb_published_fts_insert AFTER INSERT ON kb_faqitem BEGIN "
    "INSERT INTO kb_published_fts(rowid, published_search) "
    "VALUES (new.id, new.published_search); END",
    "CREATE TRIGGER kb_published_fts_delete AFTER DELETE ON kb_faqitem BEGIN "
    "INSERT INTO kb_published_fts(kb_published_fts, rowid, published_search) "
    "VALUES ('delete', old.id, old.published_search); END",
    "CREATE TRIGGER kb_published_fts_update AFTER UPDATE OF published_search ON kb_faqitem "
    "BEGIN INSERT INTO kb_published_fts(kb_published_fts, rowid, published_search) "
    "VALUES ('delete', old.id, old.published_search); "
    "INSERT INTO kb_published_fts(rowid, published_search) "
    "VALUES (new.id, new.published_search); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_published_fts_update",
    "DROP TRIGGER IF EXISTS kb_published_fts_delete",
    "DROP TRIGGER IF EXISTS kb_published_fts_insert",
    "DROP TABLE IF EXISTS kb_published_fts",
    "DROP TRIGGER IF EXISTS kb_fts_update",
    "DROP TRIGGER IF EXISTS kb_fts_delete",
    "DROP TRIGGER IF EXISTS kb_fts_insert",
    "DROP TABLE IF EXISTS kb_fts",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_faq_knowledge_base")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
