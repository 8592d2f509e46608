"""Tickets as the API shows them: dicts matching ``schemas.TicketSummary`` / ``TicketOut``,
read with a fixed number of queries per ticket."""

from __future__ import annotations

from typing import Any

from sportello.accounts.models import User
from sportello.core.statements import INTEGER, Statement
from sportello.tickets import dynamic_fields, selectors, time_accounting
from sportello.tickets.models import Article, Attachment, Ticket

# A ticket's articles and their attachments: two statements compiled once, with only the
# columns shown (not the raw mail each article keeps).
_ARTICLES = Statement(
    lambda ticket_id: Article.objects.filter(ticket_id=ticket_id)
    .only(
        "ticket_id", "number", "channel", "sender_type", "visible_for_customer",
        "from_address", "to_address", "cc_address", "subject", "body", "created",
    )
    .order_by("number"),
    INTEGER,
)  # fmt: skip
_ATTACHMENTS = Statement(
    lambda ticket_id: (
        Attachment.objects.filter(article__ticket_id=ticket_id)
        .only("article_id", "filename", "content_type", "size", "inline")
        .order_by("id")
    ),
    INTEGER,
)


def summary(ticket: Ticket) -> dict[str, Any]:
    # The CLI's JSON shape (``sportello ticket show``) plus the service level attributes.
    data = selectors.ticket_summary(ticket)
    data["service"] = ticket.service.full_name if ticket.service else None
    data["sla"] = ticket.sla.name if ticket.sla else None
    return data


SUMMARY_RELATIONS = (
    "queue",
    "state",
    "priority",
    "type",
    "owner",
    "responsible",
    "service",
    "sla",
)


def _attachment(item: Attachment) -> dict[str, Any]:
    return {
        "id": item.pk,
        "filename": item.filename,
        "content_type": item.content_type,
        "size": item.size,
        "inline": item.inline,
    }


def article(item: Article, files: list[Attachment] | None = None) -> dict[str, Any]:
    """``files``: the article's attachments in id order, when read already."""
    if files is None:
        files = list(item.attachments.all())
    return {
        "number": item.number,
        "channel": item.channel,
        "sender_type": item.sender_type,
        "visible_for_customer": item.visible_for_customer,
        "from_address": item.from_address,
        "to_address": item.to_address,
        "cc_address": item.cc_address,
        "subject": item.subject,
        "body": item.body,
        "created": item.created,
        "attachments": [_attachment(a) for a in files],
    }


def detail(ticket: Ticket, agent: User, *, history: bool = False) -> dict[str, Any]:
    """Everything an agent who may read ``ticket`` sees of it (agents see every article)."""
    files: dict[int, list[Attachment]] = {}
    for item in _ATTACHMENTS.objects(ticket.pk):
        files.setdefault(item.article_id, []).append(item)
    data = summary(ticket)
    data["articles"] = [article(a, files.get(a.pk, [])) for a in _ARTICLES.objects(ticket.pk)]
    data["dynamic_fields"] = dynamic_fields.current_values(ticket)
    data["accounted_minutes"] = time_accounting.total_minutes(ticket)
    data["links"] = [
        {"number": other.number, "title": other.title, "state": other.state.name, "kind": kind}
        for kind, other in selectors.linked_tickets(ticket, agent)
    ]
    if history:
        data["history"] = [
            {
                "type": row.type,
                "actor": row.actor_name,
                "channel": row.channel,
                "created": row.created,
                "old": row.old_value,
                "new": row.new_value,
                "text": row.text,
            }
            for row in ticket.history.order_by("id")
        ]
    return data
