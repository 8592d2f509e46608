"""TicketCreate and TicketUpdate: Znuny's input onto ``sportello.tickets.actions``, all
of one request in one transaction. Customers create tickets for themselves and add
articles to their own tickets (as a follow-up, like the portal's reply)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from sportello.accounts import permissions
from sportello.api.genericinterface import fields
from sportello.api.genericinterface.auth import Caller
from sportello.api.genericinterface.common import caller, may_read
from sportello.api.genericinterface.errors import OperationError
from sportello.api.genericinterface.fields import Reader, items, trimmed
from sportello.api.genericinterface.routes import Route
from sportello.api.genericinterface.ticket_get import options, ticket_data
from sportello.queues.models import Queue
from sportello.tickets import actions, selectors
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import (
    Article,
    Lock,
    OriginChannel,
    Priority,
    State,
    Ticket,
    TicketType,
)
from sportello.tickets.origin import Origin

# What only agents choose on a new ticket; a customer's starts as a portal request does.
AGENT_ONLY = ("Owner", "OwnerID", "Responsible", "ResponsibleID", "Lock", "LockID", "PendingTime")


def _object(reader: Reader, data: dict[str, Any], key: str, *, required: bool) -> Any:
    value = data.get(key)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, dict) and not (key == "Article" and isinstance(value, list)):
        raise reader.missing(f"{key} parameter is missing or not valid!")
    return value


def _articles(value: Any, reader: Reader) -> list[dict[str, Any]]:
    found = items(value)
    if not all(isinstance(a, dict) for a in found):
        raise reader.invalid("Article parameter is invalid!")
    return found


def _with_ticket(route: Route, result: dict[str, Any], ticket_id: int, who: Caller) -> None:
    if route.include_ticket_data:
        ticket = selectors.with_relations([Ticket.objects.get(pk=ticket_id)])[0]
        chosen = options({"DynamicFields": 1, "AllArticles": 1})
        result["Ticket"] = ticket_data(ticket, who, chosen)


def ticket_create(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "TicketCreate"
    reader = Reader(op)
    who = caller(request, data, op)
    ticket_in = _object(reader, data, "Ticket", required=True)
    article_list = _articles(_object(reader, data, "Article", required=True), reader)
    if not article_list:
        raise reader.missing("Article parameter is missing or not valid!")
    title = trimmed(ticket_in.get("Title"))
    if not title:
        raise reader.missing("Ticket->Title parameter is missing!")
    if not isinstance(title, str):
        raise reader.invalid("Ticket->Title parameter is invalid!")
    if who.customer is not None and any(ticket_in.get(key) not in (None, "") for key in AGENT_ONLY):
        raise OperationError(op, "AccessDenied", "Can not set these ticket attributes!")
    if who.customer is not None:
        customer_user_id = who.customer.login
        company_id = who.customer.company.customer_id if who.customer.company else ""
    else:
        customer_user_id, company_id = reader.customer_user(ticket_in.get("CustomerUser"))
    queue: Queue = reader.row(ticket_in, "Queue", Queue, required=True)
    state: State = reader.row(ticket_in, "State", State, required=True)
    priority: Priority = reader.row(ticket_in, "Priority", Priority, required=True)
    ticket_type: TicketType | None = reader.row(ticket_in, "Type", TicketType)
    if who.agent is not None and not permissions.may(who.agent, "create", queue):
        raise OperationError(
            op, "AccessDenied", "Can not create tickets in given Queue or QueueID!"
        )
    owner = reader.agent(ticket_in, "Owner")
    responsible = reader.agent(ticket_in, "Responsible")
    service, sla = reader.service(ticket_in), reader.sla(ticket_in)
    pending = reader.pending_time(ticket_in)
    lock_row = trimmed(ticket_in.get("Lock")) or trimmed(ticket_in.get("LockID"))
    lock = owner is not None or str(lock_row) in ("lock", "2", "tmp_lock", "3")
    company_id = str(trimmed(ticket_in.get("CustomerID")) or company_id)
    ticket_fields, article_fields = fields.split_fields(
        reader.dynamic_fields(data.get("DynamicField"))
    )
    attachments = reader.attachments(data.get("Attachment"))
    default_from = fields.customer_from(customer_user_id)
    inputs = []
    for number, article in enumerate(article_list):
        own = reader.attachments(article.get("Attachment"))
        inputs.append(
            fields.article_input(
                reader,
                article,
                customer=who.customer is not None,
                default_from=default_from if who.customer is not None else who.login,
                to=queue.full_name,
                attachments=[*(attachments if number == 0 else []), *own],
                article_fields=article_fields if number == 0 else {},
            )
        )
    actor = who.actor
    with transaction.atomic():
        ticket = actions.create_ticket(
            title=str(title),
            queue=queue,
            actor=actor,
            state=state,
            priority=priority,
            type=ticket_type,
            owner=owner,
            responsible=responsible,
            customer_user_id=customer_user_id,
            customer_company_id=company_id,
            pending_until=pending,
            lock=lock,
            article=inputs[0],
            dynamic_fields=ticket_fields,
            origin=Origin(channel=OriginChannel.GENERIC_INTERFACE),
        )
        if service is not None:
            ticket = actions.set_service(ticket, service, actor=actor)
        if sla is not None:
            ticket = actions.set_sla(ticket, sla, actor=actor)
        article_ids = [a.pk for a in Article.objects.filter(ticket=ticket).order_by("number")]
        for extra in inputs[1:]:
            article_ids.append(actions.add_article(ticket, extra, actor=actor).pk)
    result: dict[str, Any] = {"TicketID": str(ticket.pk), "TicketNumber": ticket.number}
    ids = [str(i) for i in article_ids]
    result["ArticleID"] = ids[0] if len(ids) == 1 else ids
    _with_ticket(route, result, ticket.pk, who)
    return result


def _find(reader: Reader, data: dict[str, Any], who: Caller) -> Ticket:
    ticket_id = str(trimmed(data.get("TicketID")) or "")
    number = str(trimmed(data.get("TicketNumber")) or "")
    if not ticket_id and not number:
        raise reader.missing("TicketID or TicketNumber is required!")
    tickets = Ticket.objects.all()
    if ticket_id:
        ticket = tickets.filter(pk=int(ticket_id)).first() if ticket_id.isdigit() else None
    else:
        ticket = tickets.filter(number=number).first()
    if ticket is not None:  # related rows from the configuration cache, not joined
        selectors.with_relations([ticket])
    if ticket is None or not may_read(who, ticket):
        raise OperationError(reader.op, "AccessDenied", "User does not have access to the ticket!")
    return ticket


def _apply(reader: Reader, ticket: Ticket, values: dict[str, Any], who: Caller) -> Ticket:
    """Each given attribute through its action, in the order of Znuny's TicketUpdate."""
    actor = who.actor
    if trimmed(values.get("Title")):
        ticket = actions.set_title(ticket, str(values["Title"]), actor=actor)
    queue = reader.row(values, "Queue", Queue)
    if queue is not None:
        ticket = actions.move(ticket, queue, actor=actor)
    lock = str(trimmed(values.get("Lock")) or trimmed(values.get("LockID")) or "")
    if lock:
        if lock not in ("lock", "unlock", "tmp_lock", "1", "2", "3"):
            raise reader.invalid("Ticket->LockID or Ticket->Lock parameter is invalid!")
        wanted = Lock.UNLOCK if lock in ("unlock", "1") else Lock.LOCK
        if wanted != ticket.lock:
            locking = actions.lock if wanted == Lock.LOCK else actions.unlock
            ticket = locking(ticket, actor=actor)
    ticket_type = reader.row(values, "Type", TicketType)
    if ticket_type is not None:
        ticket = actions.set_type(ticket, ticket_type, actor=actor)
    service = reader.service(values)
    if service is not None:
        ticket = actions.set_service(ticket, service, actor=actor)
    sla = reader.sla(values)
    if sla is not None:
        ticket = actions.set_sla(ticket, sla, actor=actor)
    if values.get("CustomerUser") not in (None, "") or values.get("CustomerID") not in (None, ""):
        user_id, company_id = ticket.customer_user_id, ticket.customer_company_id
        if values.get("CustomerUser") not in (None, ""):
            user_id, company_id = reader.customer_user(values.get("CustomerUser"))
        company_id = str(trimmed(values.get("CustomerID")) or company_id)
        ticket = actions.set_customer(
            ticket, customer_user_id=user_id, customer_company_id=company_id, actor=actor
        )
    priority = reader.row(values, "Priority", Priority)
    if priority is not None:
        ticket = actions.set_priority(ticket, priority, actor=actor)
    owner = reader.agent(values, "Owner")
    if owner is not None:
        ticket = actions.set_owner(ticket, owner, actor=actor)
    responsible = reader.agent(values, "Responsible")
    if responsible is not None:
        ticket = actions.set_responsible(ticket, responsible, actor=actor)
    pending = reader.pending_time(values)
    state = reader.row(values, "State", State)
    if state is not None:
        ticket = actions.set_state(ticket, state, actor=actor, pending_until=pending)
    elif pending is not None:
        ticket = actions.set_pending_time(ticket, pending, actor=actor)
    return ticket


def _add(ticket: Ticket, data: ArticleInput, who: Caller) -> int:
    if who.customer is not None:
        return actions.customer_follow_up(ticket, data, actor=who.actor).article_id
    return actions.add_article(ticket, data, actor=who.actor).pk


def ticket_update(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "TicketUpdate"
    reader = Reader(op)
    who = caller(request, data, op)
    ticket = _find(reader, data, who)
    values = _object(reader, data, "Ticket", required=False) or {}
    article_list = _articles(_object(reader, data, "Article", required=False), reader)
    attachments = reader.attachments(data.get("Attachment"))
    if attachments and not article_list:
        raise reader.missing("Article parameter is missing!")
    ticket_fields, article_fields = fields.split_fields(
        reader.dynamic_fields(data.get("DynamicField"))
    )
    if article_fields and not article_list:
        raise reader.invalid(
            "DynamicField parameter is invalid: an article field needs an Article!"
        )
    if who.customer is not None and (values or ticket_fields):
        raise OperationError(op, "AccessDenied", "User does not have access to the ticket!")
    default_from = (
        fields.customer_from(who.customer.login) if who.customer is not None else who.login
    )
    inputs = [
        fields.article_input(
            reader,
            article,
            customer=who.customer is not None,
            default_from=default_from,
            to=ticket.queue.full_name,
            attachments=[
                *(attachments if number == 0 else []),
                *reader.attachments(article.get("Attachment")),
            ],
            article_fields=article_fields if number == 0 else {},
        )
        for number, article in enumerate(article_list)
    ]
    with transaction.atomic():
        if values:
            ticket = _apply(reader, ticket, values, who)
        if ticket_fields:
            actions.set_dynamic_fields(ticket, ticket_fields, actor=who.actor)
        added = [_add(ticket, item, who) for item in inputs]
    result: dict[str, Any] = {"TicketID": str(ticket.pk), "TicketNumber": ticket.number}
    if len(added) == 1:
        result["ArticleID"] = str(added[0])
    elif added:
        result["ArticleIDs"] = [str(a) for a in added]
    _with_ticket(route, result, ticket.pk, who)
    return result
