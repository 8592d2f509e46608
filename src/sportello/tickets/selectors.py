"""Reads of the tickets domain: lookups, defaults and the JSON shape the CLI prints."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from sportello.core import cache
from sportello.core.errors import InvalidInput, NotFound
from sportello.core.statements import INTEGER, TEXT, Statement
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


# The hot reads of a ticket without joins, compiled once (``core.statements``); the
# related rows come from ``with_relations``.
_BY_NUMBER = Statement(lambda number: Ticket.objects.filter(number=number), TEXT)
_AGENTS = Statement(lambda ids: _user_model().objects.filter(pk__in=ids), [INTEGER])
_LINKS = Statement(
    lambda source, target: (
        TicketLink.objects.filter(Q(source_id=source) | Q(target_id=target))
        .select_related("source__state", "target__state", "source__queue", "target__queue")
        .order_by("created", "id")
    ),
    INTEGER,
    INTEGER,
)
# Foreign keys of a ticket whose rows are configuration (``core.cache``).
_CATALOG_FIELDS = ("queue", "state", "priority", "type", "service", "sla")


def _user_model() -> Any:
    from sportello.accounts.models import User

    return User


def _catalogs() -> dict[str, dict[int, Any]]:
    from sportello.queues.models import Queue
    from sportello.sla.models import SLA, Service

    models = (Queue, State, Priority, TicketType, Service, SLA)
    return {
        field: {row.pk: row for row in model._default_manager.all()}
        for field, model in zip(_CATALOG_FIELDS, models, strict=True)
    }


def with_relations(tickets: list[Ticket]) -> list[Ticket]:
    """``tickets`` with what ``select_related`` of queue, state, priority, type, service,
    SLA, owner and responsible would give: the configuration rows from the per-process
    cache (``core.cache``), the agents in one statement. Joined, the eight tables cost
    PostgreSQL more to plan (70-100 ms for a page of search results) than to read."""
    if not tickets:
        return tickets
    known = cache.get("ticket_relations", _catalogs)
    agent_ids = sorted(
        {pk for t in tickets for pk in (t.owner_id, t.responsible_id) if pk is not None}
    )
    agents = {a.pk: a for a in _AGENTS.objects(agent_ids)} if agent_ids else {}
    fields = Ticket._meta
    for name, table in (*known.items(), ("owner", agents), ("responsible", agents)):
        field = fields.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        for ticket in tickets:
            pk = getattr(ticket, attname)
            if pk is None:
                field.set_cached_value(ticket, None)  # type: ignore[union-attr]
            elif pk in table:
                field.set_cached_value(ticket, table[pk])  # type: ignore[union-attr]
    return tickets


def ticket_row(number: str) -> Ticket:
    """The ticket numbered ``number`` with ``with_relations``: what ``ticket_by_number``
    gives, for the API's hot paths."""
    found = _BY_NUMBER.first(number.strip())
    if found is None:
        raise NotFound(_("No ticket with number %(number)s."), number=number)
    return with_relations([found])[0]


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
    of linked pages: mail and notifications need it without loading the agent interface.
    A number of digits (every ticket's but an odd imported one's) goes into the path
    reversed once per script prefix: a page of search results asks for fifty."""
    number = ticket.number
    if number.isdigit() and number.isascii():
        template = _url_template(get_script_prefix())
        if template is not None:
            return template.replace(_NUMBER_MARK, number)
    return _reverse_url(number)


# Digits only: reversed, they come out as they are, and so does the mark.
_NUMBER_MARK = "0000000000"


@functools.lru_cache(maxsize=8)
def _url_template(prefix: str) -> str | None:
    url = _reverse_url(_NUMBER_MARK)
    return url if url.count(_NUMBER_MARK) == 1 else None


def _reverse_url(number: str) -> str:
    try:
        return reverse("ticket", urlconf="sportello.web.link_urls", args=[number])
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

    found: list[tuple[str, Ticket]] = []
    for row in _LINKS.objects(ticket.pk, ticket.pk):
        other = row.target if row.source_id == ticket.pk else row.source
        if not permissions.may(agent, "ro", other.queue):
            continue
        if row.type == LinkType.PARENT_CHILD:
            kind = "child" if row.source_id == ticket.pk else "parent"
        else:
            kind = "normal"
        found.append((kind, other))
    return found
