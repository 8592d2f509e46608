"""Agents' FAQ search reads a stored tsvector on PostgreSQL (kb migration 0004): the plan
for a common word walks the articles by ``changed`` and tests each row, which must not
parse its text again (that made one word cost 40 ms on 10,000 articles)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.core.actor import Actor
from sportello.kb import selectors
from sportello.kb.models import Category
from tests.conftest import postgres_only
from tests.kb.conftest import new_item


@postgres_only
def test_agent_search_matches_the_stored_vector(writer_actor: Actor, category: Category) -> None:
    new_item(writer_actor, category, title="Drucker im Flur", visibility="internal")
    new_item(writer_actor, category, title="Eduroam")
    with CaptureQueriesContext(connection) as queries:
        found = selectors.agent_search(writer_actor.user, "druck")
    assert [i.title for i in found] == ["Drucker im Flur"]
    search = next(q["sql"] for q in queries.captured_queries if "@@" in q["sql"])
    assert "search_vector" in search and "to_tsvector" not in search
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname IN "
            "('kb_fts_gin', 'kb_published_fts_gin') ORDER BY indexname"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 2
    assert "(search_vector)" in definitions[0] and "(published_vector)" in definitions[1]
    customer = selectors.published_search("eduroam", customer=False)
    assert [i.title for i in customer] == ["Eduroam"]
