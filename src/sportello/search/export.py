"""Search results as CSV and Excel files: the same rows for both, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.tickets import time_accounting
from sportello.tickets.dynamic_fields import shown_cell, shown_values, ticket_fields
from sportello.tickets.models import DynamicField, Ticket

CHUNK = 2000


def headers(fields: list[DynamicField]) -> list[str]:
    return [
        _("Ticket number"),
        _("Title"),
        _("Queue"),
        _("State"),
        _("Priority"),
        _("Type"),
        _("Lock"),
        _("Owner"),
        _("Responsible"),
        _("Customer user"),
        _("Customer company"),
        _("Created"),
        _("Changed"),
        _("Pending until"),
        _("Archived"),
        _("Service"),
        _("SLA"),
        _("Accounted time (minutes)"),
        *(field.label for field in fields),
    ]


def rows(tickets: Any, fields: list[DynamicField]) -> Iterator[list[Any]]:
    """One row per ticket; the dynamic field values of each chunk in one query."""
    queryset = tickets.select_related(
        "queue", "state", "priority", "type", "owner", "responsible", "service", "sla"
    )
    found = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(islice(found, CHUNK)):
        ids = [t.pk for t in chunk]
        values = shown_values(ids, fields)
        minutes = time_accounting.minutes_by_ticket(ids)
        for ticket in chunk:
            yield [
                *_row(ticket),
                minutes.get(ticket.pk, 0),
                *(shown_cell(values, ticket.pk, field) for field in fields),
            ]


def _row(ticket: Ticket) -> list[Any]:
    return [
        ticket.number,
        ticket.title,
        ticket.queue.full_name,
        str(ticket.state),
        str(ticket.priority),
        str(ticket.type),
        ticket.get_lock_display(),
        ticket.owner.display_name,
        ticket.responsible.display_name if ticket.responsible else "",
        ticket.customer_user_id,
        ticket.customer_company_id,
        _local(ticket.created),
        _local(ticket.changed),
        _local(ticket.pending_until),
        _("yes") if ticket.archived else _("no"),
        ticket.service.full_name if ticket.service else "",
        ticket.sla.name if ticket.sla else "",
    ]


def _local(value: datetime | None) -> datetime | None:
    # Spreadsheets know no time zones: the agent's local time, without the zone.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(tickets: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte order mark, so spreadsheet programs read UTF-8
    fields = list(ticket_fields())
    yield writer.writerow(headers(fields))
    for row in rows(tickets, fields):
        yield writer.writerow(
            [safe_cell(v.isoformat(sep=" ") if isinstance(v, datetime) else v) for v in row]
        )


def xlsx_bytes(tickets: Any) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Tickets"))
    fields = list(ticket_fields())
    sheet.append(headers(fields))
    for row in rows(tickets, fields):
        sheet.append([safe_cell(value) for value in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
