"""The scale run's data: 3-5 articles per ticket and attachment rows, written in bulk, are
the rows the normal generator and the actions layer write, with the tallies and the
search documents kept."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from bench.bulk import BulkResult, generate_bulk
from bench.generate import Options, generate
from django.utils import timezone

from sportello.search.index import index_tickets
from sportello.tickets import tallies
from sportello.tickets.models import Article, Attachment, History, Ticket
from sportello.tickets.numbers import is_valid_number
from tests.bench import test_bulk, test_generate

pytestmark = pytest.mark.django_db

TICKETS, LOW, HIGH = 40, 3, 5
ATTACHMENT_FIELDS = ["filename", "content_type", "size", "content_id", "inline", "file"]


def _options(**overrides: Any) -> Options:
    values: dict[str, Any] = {
        "tickets": TICKETS,
        "articles": LOW,
        "articles_max": HIGH,
        "attachment_share": 0.5,
        "batch_size": 9,
        "customers": 20,
        "seed": 5,
        "now": timezone.now(),
    }
    values.update(overrides)
    return Options(**values)


@pytest.fixture
def generated() -> BulkResult:
    return generate_bulk(_options())


def _attachments(tickets: Any) -> list[list[Any]]:
    return [
        [a.article.number, *(getattr(a, f) for f in ATTACHMENT_FIELDS)]
        for ticket in tickets.order_by("pk")
        for a in Attachment.objects.filter(article__ticket=ticket).select_related("article")
    ]


def test_same_rows_as_the_normal_generator() -> None:
    options = _options()
    generate(options)
    first = set(Ticket.objects.values_list("pk", flat=True))
    generate_bulk(options)
    normal, bulk = Ticket.objects.filter(pk__in=first), Ticket.objects.exclude(pk__in=first)
    assert test_bulk._snapshot(bulk) == test_bulk._snapshot(normal)
    assert _attachments(bulk) == _attachments(normal) != []


def test_counts_history_tallies_and_numbers(generated: BulkResult) -> None:
    per_ticket = Counter(Article.objects.values_list("ticket_id", flat=True))
    assert len(per_ticket) == TICKETS == Ticket.objects.count() == generated.tickets
    assert set(per_ticket.values()) == {3, 4, 5}
    assert generated.articles == Article.objects.count() == sum(per_ticket.values())
    assert generated.history == History.objects.count() == TICKETS + generated.articles
    assert generated.attachments == Attachment.objects.count() > 0
    # Attachments ride on customer mails only, as mail ingestion stores them.
    assert set(Attachment.objects.values_list("article__sender_type", flat=True)) == {"customer"}
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == TICKETS and all(is_valid_number(n) for n in numbers)
    assert tallies.check() == []
    for ticket in Ticket.objects.all():
        count = per_ticket[ticket.pk]
        assert list(ticket.articles.order_by("number").values_list("number", flat=True)) == list(
            range(1, count + 1)
        )
        assert ticket.history.filter(article__isnull=False).count() == count


def test_search_documents_hold_the_attachment_names(
    generated: BulkResult, keep_connections: None
) -> None:
    written = test_bulk._documents()
    index_tickets(Ticket.objects.values_list("pk", flat=True))
    assert test_bulk._documents() == written
    attachment = Attachment.objects.select_related("article").order_by("pk").first()
    assert attachment is not None
    stem = attachment.filename.split("-")[0]
    document = dict(written)[attachment.article.ticket_id]
    assert stem in document


def test_a_ticket_with_attachments_equals_its_replay_through_the_actions(
    generated: BulkResult,
) -> None:
    """The same ticket, articles, history, tallies and attachment rows (the stored file's
    path aside: the metadata rows point at no file)."""
    first = Attachment.objects.select_related("article__ticket").order_by("pk").first()
    assert first is not None
    ticket = first.article.ticket
    replayed = test_generate._replay(ticket, with_attachments=True)
    fields = test_generate.TICKET_FIELDS
    assert [getattr(replayed, f) for f in fields] == [getattr(ticket, f) for f in fields]
    fields = test_generate.ARTICLE_FIELDS
    assert [[getattr(a, f) for f in fields] for a in replayed.articles.order_by("number")] == [
        [getattr(a, f) for f in fields] for a in ticket.articles.order_by("number")
    ]
    assert _attachment_rows(replayed) == _attachment_rows(ticket)
    assert test_generate._history_shape(replayed) == test_generate._history_shape(ticket)
    assert tallies.check() == []


def _attachment_rows(ticket: Ticket) -> list[list[Any]]:
    rows = Attachment.objects.filter(article__ticket=ticket).select_related("article")
    return [
        [a.article.number, *(getattr(a, f) for f in ATTACHMENT_FIELDS[:-1])]
        for a in rows.order_by("article__number", "pk")
    ]
