"""Tickets carried over from another installation (``sportello import znuny``).

Unlike every other action these keep what the old system recorded: the ticket numbers,
the creation and change times, the article authors and the history rows with their
original type, actor and time. They write in batches (``Insert.save_many``), history
through the one writer (``history.record_many``), and publish no events: nothing
happened now, so nobody is notified; the caller indexes the batch for search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from sportello.core.writes import Insert
from sportello.tickets import history
from sportello.tickets.articles import AttachmentInput, store_attachments
from sportello.tickets.models import (
    Article,
    DynamicFieldValue,
    History,
    Ticket,
    TicketLink,
    TimeAccounting,
)

_TICKETS = Insert(Ticket)
_ARTICLES = Insert(Article)
_VALUES = Insert(DynamicFieldValue)
# What a re-run may change on an imported ticket (never the number or creation).
UPDATABLE = (
    "title",
    "queue_id",
    "state_id",
    "priority_id",
    "type_id",
    "lock",
    "owner_id",
    "responsible_id",
    "customer_user_id",
    "customer_company_id",
    "pending_until",
    "archived",
    "service_id",
    "sla_id",
    "changed",
    "changed_by_id",
)


@dataclass
class ImportedArticle:
    """An unsaved article with its raw message and files."""

    article: Article
    raw: bytes | None = None
    attachments: list[AttachmentInput] = field(default_factory=list)


def import_tickets(tickets: Sequence[Ticket]) -> None:
    """Insert new tickets as they are (numbers and times kept)."""
    with transaction.atomic():
        _TICKETS.save_many(tickets)


def update_imported_ticket(ticket_id: int, values: dict[str, Any]) -> bool:
    """Bring an imported ticket up to the old system's state; False when nothing differs."""
    current = Ticket.objects.filter(pk=ticket_id).values(*UPDATABLE).first()
    if current is None:
        return False
    changes = {name: value for name, value in values.items() if current.get(name) != value}
    if not changes:
        return False
    Ticket.objects.filter(pk=ticket_id).update(**changes)
    return True


def set_merged_into(ticket_id: int, target_id: int) -> bool:
    return bool(
        Ticket.objects.filter(pk=ticket_id)
        .exclude(merged_into_id=target_id)
        .update(merged_into_id=target_id)
    )


def import_articles(items: Sequence[ImportedArticle], *, keep_files: bool = True) -> None:
    """Insert articles (their numbers given) with raw messages and attachments; with
    ``keep_files`` False (a dry run) no file is written."""
    from django.conf import settings

    with transaction.atomic():
        for item in items:
            article, raw = item.article, item.raw
            if raw is not None:
                article.raw_size = len(raw)
                if len(raw) <= settings.SPORTELLO_RAW_IN_DATABASE_MAX:
                    article.raw_data = raw
                elif keep_files:
                    name = f"{article.ticket.number}-{article.number}.eml"
                    article.raw_source.save(name, ContentFile(raw), save=False)
        _ARTICLES.save_many([item.article for item in items])
        if keep_files:
            store_attachments([(i.article, a) for i in items for a in i.attachments])


def import_history(rows: Sequence[History]) -> None:
    """Old history rows, as recorded there (``history.entry_by_ids`` with their time)."""
    with transaction.atomic():
        history.record_many(rows)


def import_dynamic_values(
    rows: Sequence[DynamicFieldValue], *, replace_tickets: Sequence[int] = ()
) -> None:
    """Insert field values; the tickets in ``replace_tickets`` lose their old ones first
    (a re-run brings them to the old system's values)."""
    with transaction.atomic():
        if replace_tickets:
            DynamicFieldValue.objects.filter(ticket_id__in=replace_tickets).delete()
        _VALUES.save_many(rows)


def import_time_accounting(rows: Sequence[TimeAccounting]) -> None:
    """Accounted time as the old system recorded it (its history rows carry the
    TimeAccounting entries already)."""
    with transaction.atomic():
        TimeAccounting.objects.bulk_create(rows)


def import_link(source_id: int, target_id: int, type: str) -> bool:
    _link, created = TicketLink.objects.get_or_create(
        source_id=source_id, target_id=target_id, type=type
    )
    return created
