"""PostgreSQL: the FAQ's tsvectors as stored generated columns with GIN indexes on them
(instead of indexes on the expression). A query that walks the articles in the order of
``changed`` and tests each one (the plan for a common word) then reads the stored vector
instead of parsing the text again per row. SQLite keeps its FTS5 tables."""

from typing import Any

from django.db import migrations

FORWARD = [
    "ALTER TABLE kb_faqitem ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, search_text)) STORED",
    "ALTER TABLE kb_faqitem ADD COLUMN published_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, published_search)) STORED",
    "DROP INDEX IF EXISTS kb_fts_gin",
    "DROP INDEX IF EXISTS kb_published_fts_gin",
    "CREATE INDEX kb_fts_gin ON kb_faqitem USING gin (search_vector)",
    "CREATE INDEX kb_published_fts_gin ON kb_faqitem USING gin (published_vector)",
]
REVERSE = [
    "DROP INDEX IF EXISTS kb_fts_gin",
    "DROP INDEX IF EXISTS kb_published_fts_gin",
    "ALTER TABLE kb_faqitem DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE kb_faqitem DROP COLUMN IF EXISTS published_vector",
    "CREATE INDEX kb_fts_gin ON kb_faqitem "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX kb_published_fts_gin ON kb_faqitem "
    "USING gin (to_tsvector('simple'::regconfig, published_search))",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_faq_item_created_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(REVERSE))]
