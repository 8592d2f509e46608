"""Keeping the full-text index (``TicketDocument``) in step with the articles.

A ticket's document is always rebuilt from all its articles, so indexing is idempotent:
indexing twice, late or in parallel gives the same row. The search subscriber indexes
each ticket after an article was committed (``search.subscribers``); ``sportello
search_index --rebuild`` rebuilds everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sportello.search.models import TicketDocument
from sportello.search.text import normalize
from sportello.tickets.models import (
    Article,
    Attachment,
    DynamicFieldType,
    DynamicFieldValue,
    Ticket,
)

CONFIGS = ("simple", "german", "italian", "english")
ARTICLE_FIELDS = ("from_address", "to_address", "cc_address", "subject", "body")


def search_config() -> str:
    config = str(settings.SPORTELLO_SEARCH_CONFIG)
    if config not in CONFIGS:
        raise ValueError(f"SPORTELLO_SEARCH_CONFIG must be one of {', '.join(CONFIGS)}")
    return config


def ticket_texts(ticket_ids: Sequence[int]) -> dict[int, str]:
    """The normalized text of each ticket: its articles in order, attachment names, then
    the values of its text dynamic fields (the ticket's and its articles')."""
    parts: dict[int, list[str]] = defaultdict(list)
    articles = (
        Article.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "number")
        .values_list("ticket_id", *ARTICLE_FIELDS)
    )
    for ticket_id, *fields in articles:
        parts[ticket_id].extend(field for field in fields if field)
    # Attachment names and text field values in one statement (every message is
    # indexed): names first, each kind in the order of its articles.
    names = (
        Attachment.objects.filter(article__ticket_id__in=ticket_ids)
        .annotate(tid=F("article__ticket_id"), part=F("filename"), n=F("article__number"))
        .annotate(kind=Value(0, output_field=IntegerField()))
        .values_list("tid", "part", "kind", "n", "id")
    )
    texts = (
        DynamicFieldValue.objects.filter(
            Q(ticket_id__in=ticket_ids) | Q(article__ticket_id__in=ticket_ids),
            field__field_type__in=(DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA),
        )
        .annotate(
            tid=Coalesce("ticket_id", "article__ticket_id"),
            part=F("value_text"),
            n=Coalesce("article__number", Value(0)),
        )
        .annotate(kind=Value(1, output_field=IntegerField()))
        .values_list("tid", "part", "kind", "n", "id")
    )
    both = names.order_by().union(texts.order_by(), all=True).order_by("tid", "kind", "n", "id")
    for ticket_id, part, *_order in both:
        parts[ticket_id].append(part)
    return {ticket_id: normalize("\n".join(parts.get(ticket_id, ()))) for ticket_id in ticket_ids}


def index_tickets(ticket_ids: Iterable[int]) -> int:
    """(Re)build the documents of these tickets; returns how many were written."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    return store_texts(ticket_texts(ids))


def store_texts(texts: dict[int, str]) -> int:
    """Write the documents of these normalized ticket texts (``ticket_texts``' form);
    the bulk data generator computes the texts itself and stores them here."""
    if not texts:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _write_postgres(texts)
        else:
            now = timezone.now()
            TicketDocument.objects.bulk_create(
                [TicketDocument(ticket_id=i, text=t, indexed=now) for i, t in texts.items()],
                update_conflicts=True,
                unique_fields=["ticket"],
                update_fields=["text", "indexed"],
            )
    return len(texts)


def _write_postgres(texts: dict[int, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO search_ticketdocument (ticket_id, text, document, indexed)
            SELECT t.id, '', to_tsvector(%s::regconfig, t.body), now()
            FROM unnest(%s::bigint[], %s::text[]) AS t(id, body)
            ON CONFLICT (ticket_id) DO UPDATE
            SET document = EXCLUDED.document, indexed = EXCLUDED.indexed
            """,
            [search_config(), list(texts), list(texts.values())],
        )


def rebuild(*, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every ticket again (after a change of SPORTELLO_SEARCH_CONFIG, a restore,
    or to repair a missed event). Batches keep memory flat and transactions short."""
    total = Ticket.objects.count()
    done = 0
    last = 0
    while True:
        ids = list(
            Ticket.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        done += index_tickets(ids)
        last = ids[-1]
        if progress is not None:
            progress(done, total)
    return done
