"""Reads of the tickets domain: lookups, defaults and the JSON shape the CLI prints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from sportello.core import cache
from sportello.core.errors import InvalidInput, NotFound
from sportello.tickets.models import (
    Article,
    LinkType,
    Priority,
    State,
    Ticket,
    TicketLink,
    TicketType,
)

if TYPE_CHECKING:
    from sportello.accounts.models import User

DEFAULT_STATE = "new"
DEFAULT_PRIORITY = "3 normal"
DEFAULT_TICKET_TYPE = "Unclassified"


def _by_name(key: str, model: Any, name: str, label: Any) -> Any:
    """A row of a small configuration table by its name, from the configuration cache
    (``core.cache``: read for every message, changed rarely)."""

    def load() -> dict[str, Any]:
        return {row.name: row for row in model.objects.all()}

    found = cache.get(key, load).get(name)
    if found is None:
        raise InvalidInput(_("Unknown %(what)s: %(name)s"), what=label, name=name)
    return found


def state_by_name(name: str) -> State:
    state: State = _by_name("states", State, name, _("state"))
    return state


def priority_by_name(name: str) -> Priority:
    priority: Priority = _by_name("priorities", Priority, name, _("priority"))
    return priority


def ticket_type_by_name(name: str) -> TicketType:
    ticket_type: TicketType = _by_name("types", TicketType, name, _("ticket type"))
    return ticket_type


def default_state() -> State:
    return state_by_name(DEFAULT_STATE)


def default_priority() -> Priority:
    return priority_by_name(DEFAULT_PRIORITY)


def default_ticket_type() -> TicketType:
    return ticket_type_by_name(DEFAULT_TICKET_TYPE)


def _with_relations(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.select_related("queue", "state", "priority", "type", "owner", "responsible")


def ticket_by_number(number: str) -> Ticket:
    try:
        return _with_relations(Ticket.objects.all()).get(number=number.strip())
    except Ticket.DoesNotExist:
        raise NotFound(_("No ticket with number %(number)s."), number=number) from None


def ticket_list(
    *, queue: str | None = None, state: str | None = None, limit: int = 100
) -> QuerySet[Ticket]:
    queryset = _with_relations(Ticket.objects.all()).select_related("service", "sla")
    if queue:
        queryset = queryset.filter(queue__full_name=queue)
    if state:
        queryset = queryset.filter(state__name=state)
    return queryset.order_by("-created", "-id")[: max(0, limit)]


def ticket_url(ticket: Ticket) -> str:
    """The path of the ticket's zoom (``web:ticket``), reversed in the small configuration
    of linked pages: mail and notifications need it without loading the agent interface."""
    try:
        return reverse("ticket", urlconf="sportello.web.link_urls", args=[ticket.number])
    except NoReverseMatch:
        return ""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "url": ticket_url(ticket),
        "title": ticket.title,
        "queue": ticket.queue.full_name,
        "state": ticket.state.name,
        "state_type": ticket.state.type,
        "priority": ticket.priority.name,
        "type": ticket.type.name,
        "service": ticket.service.full_name if ticket.service else None,
        "sla": ticket.sla.name if ticket.sla else None,
        "lock": ticket.lock,
        "owner": ticket.owner.username,
        "responsible": ticket.responsible.username if ticket.responsible else None,
        "customer_user": ticket.customer_user_id,
        "customer_company": ticket.customer_company_id,
        "pending_until": _iso(ticket.pending_until),
        "created": _iso(ticket.created),
        "changed": _iso(ticket.changed),
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    """The full JSON shape of ``sportello ticket show``; a stable contract for scripts."""
    articles = (
        Article.objects.filter(ticket=ticket)
        .order_by("number")
        .prefetch_related(Prefetch("attachments"))
    )
    data = ticket_summary(ticket)
    data["articles"] = [
        {
            "number": article.number,
            "channel": article.channel,
            "sender_type": article.sender_type,
            "visible_for_customer": article.visible_for_customer,
            "from": article.from_address,
            "to": article.to_address,
            "cc": article.cc_address,
            "subject": article.subject,
            "body": article.body,
            "message_id": article.message_id,
            "created": _iso(article.created),
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in article.attachments.all()
            ],
        }
        for article in articles
    ]
    data["history"] = [
        {
            "type": row.type,
            "actor": row.actor_name,
            "channel": row.channel,
            "created": _iso(row.created),
            "text": row.text,
        }
        for row in ticket.history.order_by("id")
    ]
    return data


def linked_tickets(ticket: Ticket, agent: User) -> list[tuple[str, Ticket]]:
    """(kind, ticket) of the tickets linked to ``ticket`` that ``agent`` may read, oldest
    link first; kind is "parent" or "child" (seen from ``ticket``) or "normal"."""
    from sportello.accounts import permissions

    rows = (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .select_related("source__state", "target__state", "source__queue", "target__queue")
        .order_by("created", "id")
    )
    found: list[tuple[str, Ticket]] = []
    for row in rows:
        other = row.target if row.source_id == ticket.pk else row.source
        if not permissions.may(agent, "ro", other.queue):
            continue
        if row.type == LinkType.PARENT_CHILD:
            kind = "child" if row.source_id == ticket.pk else "parent"
        else:
            kind = "normal"
        found.append((kind, other))
    return found
