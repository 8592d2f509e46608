"""Search results as CSV and Excel files: the same rows for both, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.tickets.models import Ticket

CHUNK = 2000


def headers() -> list[str]:
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
    ]


def rows(tickets: Any) -> Iterator[list[Any]]:
    queryset = tickets.select_related("queue", "state", "priority", "type", "owner", "responsible")
    for ticket in queryset.iterator(chunk_size=CHUNK):
        yield _row(ticket)


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
    yield writer.writerow(headers())
    for row in rows(tickets):
        yield writer.writerow(
            [safe_cell(v.isoformat(sep=" ") if isinstance(v, datetime) else v) for v in row]
        )


def xlsx_bytes(tickets: Any) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Tickets"))
    sheet.append(headers())
    for row in rows(tickets):
        sheet.append([safe_cell(value) for value in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
