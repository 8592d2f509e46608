"""The fast mode of the generator writes the rows of the normal one, and the application
works on them: the zoom, the overviews and the full-text search."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from bench.bulk import BulkResult, _foreign_keys, _secondary_indexes, generate_bulk
from bench.generate import Options, generate
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.search.index import index_tickets
from sportello.search.models import TicketDocument
from sportello.search.services import Criteria, search_page, search_tickets
from sportello.tickets.models import Article, History, Ticket
from tests.bench import test_generate as plain

pytestmark = pytest.mark.django_db

TICKETS, ARTICLES = 30, 3
NUMBER = re.compile(r"\d{14,}")
ARTICLE_FIELDS = [f for f in plain.ARTICLE_FIELDS if f != "number"]
HISTORY_FIELDS = [
    "type", "actor_id", "actor_name", "channel", "old_value", "new_value", "comment",
    "queue_id_at", "state_id_at", "created",
]  # fmt: skip


def _options(**overrides: Any) -> Options:
    values: dict[str, Any] = {
        "tickets": TICKETS,
        "articles": ARTICLES,
        "batch_size": 7,
        "customers": 20,
        "seed": 3,
        "now": timezone.now(),
    }
    values.update(overrides)
    return Options(**values)


@pytest.fixture
def generated() -> BulkResult:
    return generate_bulk(_options())


def _snapshot(tickets: Any) -> list[Any]:
    """Everything of these tickets except ids, with ticket numbers blanked (a second
    run on the same day continues the day's counter)."""

    def blank(value: Any) -> Any:
        return NUMBER.sub("<n>", value) if isinstance(value, str) else value

    shots = []
    for ticket in tickets.order_by("pk"):
        fields = [*plain.TICKET_FIELDS, "created", "changed"]
        articles = [
            [article.number, *(blank(getattr(article, f)) for f in ARTICLE_FIELDS)]
            for article in ticket.articles.order_by("number")
        ]
        history = [
            [row.article.number if row.article else None]
            + [blank(getattr(row, f)) for f in HISTORY_FIELDS]
            for row in ticket.history.select_related("article").order_by("pk")
        ]
        shots.append([[getattr(ticket, f) for f in fields], articles, history])
    return shots


def test_same_rows_as_the_normal_generator() -> None:
    options = _options()
    generate(options)
    first = set(Ticket.objects.values_list("pk", flat=True))
    result = generate_bulk(options)
    assert (result.tickets, result.articles, result.history, result.documents) == (
        TICKETS, TICKETS * ARTICLES, TICKETS * (1 + ARTICLES), TICKETS,
    )  # fmt: skip
    normal = _snapshot(Ticket.objects.filter(pk__in=first))
    bulk = _snapshot(Ticket.objects.exclude(pk__in=first))
    assert len(normal) == TICKETS and bulk == normal


def test_the_checks_of_the_normal_generator_hold(generated: BulkResult) -> None:
    assert Article.objects.count() == generated.articles
    assert History.objects.count() == generated.history
    plain.test_numbers_are_valid_unique_and_reserved(None)  # type: ignore[arg-type]
    plain.test_articles_and_history_per_ticket(None)  # type: ignore[arg-type]
    plain.test_a_generated_ticket_equals_its_replay_through_the_actions(None)  # type: ignore[arg-type]


def test_the_ticket_tallies_count_the_bulk_rows(generated: BulkResult) -> None:
    from sportello.tickets import tallies

    assert tallies.check() == []


def _documents() -> list[tuple[int, str]]:
    column = "document::text" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ticket_id, {column} FROM search_ticketdocument ORDER BY 1")
        return [(int(pk), str(text)) for pk, text in cursor.fetchall()]


def test_search_documents_are_the_ones_the_index_builds(
    generated: BulkResult, keep_connections: None
) -> None:
    written = _documents()
    assert [pk for pk, _ in written] == list(
        Ticket.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert all(text for _, text in written)
    index_tickets(Ticket.objects.values_list("pk", flat=True))
    assert _documents() == written
    call_command("search_index", "--rebuild", verbosity=0)
    assert _documents() == written


def _agent() -> User:
    agent = User.objects.filter(is_active=True, is_system=False).order_by("pk").first()
    assert agent is not None
    return agent


def test_generated_words_are_found(generated: BulkResult) -> None:
    agent = _agent()
    for ticket in Ticket.objects.order_by("pk")[:5]:
        article = ticket.articles.order_by("-number").first()
        assert article is not None
        words = [w for w in re.findall(r"\w+", article.body) if len(w) > 3][:2]
        criteria = Criteria(fulltext=" ".join(words), archive="include")
        assert search_tickets(agent, criteria).filter(pk=ticket.pk).exists(), words
    page = search_page(search_tickets(agent, Criteria(fulltext=ticket.title.split()[0])))
    assert page.rows and page.count >= 1


def test_tickets_open_in_the_zoom_and_the_overviews(generated: BulkResult) -> None:
    client = Client()
    client.force_login(_agent())
    for ticket in Ticket.objects.order_by("?")[:3]:
        response = client.get(f"/ticket/{ticket.number}/")
        assert response.status_code == 200
        content = response.content.decode()
        assert ticket.number in content
        assert all(a.subject in content for a in ticket.articles.all())
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    response = client.get(f"/queues/?queue={ticket.queue_id}&tab=all")
    shown = set(re.findall(r'<tr data-ticket="(\d+)">', response.content.decode()))
    in_queue = set(Ticket.objects.filter(queue_id=ticket.queue_id).values_list("number", flat=True))
    assert shown and shown <= in_queue
    assert client.get("/").status_code == 200


# Committed statements: PostgreSQL refuses to add a foreign key back in a transaction
# that has written to the referenced tables (the reference data) before.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_indexes_and_foreign_keys_are_created_again() -> None:
    indexes, foreign_keys = _secondary_indexes(), _foreign_keys()
    assert any("ticket_created" in name for name, _ in indexes)
    assert bool(foreign_keys) == (connection.vendor == "postgresql")
    result = generate_bulk(_options(span=timedelta(days=3)), rebuild_indexes=True)
    assert "indexes" in result.phases and result.tickets == TICKETS
    assert _secondary_indexes() == indexes and _foreign_keys() == foreign_keys
    assert TicketDocument.objects.count() == TICKETS
