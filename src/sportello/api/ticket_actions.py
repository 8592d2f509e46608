"""The ticket actions of the agent UI's dialogs that are not an attribute of ``PATCH
/tickets/{number}``: close, pending, spam, move with a note, merge, split, links,
master/slave, watching and dynamic fields. Each is one call of ``tickets.actions``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router
from ninja.responses import codes_4xx

from sportello.api import auth, render, uploads
from sportello.api.schemas import (
    CloseIn,
    DynamicFieldsIn,
    ErrorOut,
    LinkIn,
    LinkResult,
    MasterSlaveIn,
    MergeIn,
    MoveIn,
    PendingIn,
    SplitIn,
    TicketSummary,
    WatchOut,
)
from sportello.api.tickets import _named, visible_ticket
from sportello.core.errors import InvalidInput, NotFound
from sportello.queues.models import Queue
from sportello.tickets import actions, selectors
from sportello.tickets.models import Article, DynamicField

router = Router(tags=["ticket actions"])
RESPONSES: Any = {200: TicketSummary, codes_4xx: ErrorOut}


def _summary(number: str) -> dict[str, Any]:
    return render.summary(selectors.ticket_by_number(number))


@router.post("/tickets/{number}/close", response=RESPONSES)
def close(request: HttpRequest, number: str, data: CloseIn) -> dict[str, Any]:
    ticket = visible_ticket(request, number)
    actions.close(
        ticket,
        selectors.state_by_name(data.state),
        actor=auth.actor(request),
        note_body=data.body,
        note_subject=data.subject,
        attachments=uploads.decode(data.attachments, ticket.queue),
    )
    return _summary(number)


@router.post("/tickets/{number}/pending", response=RESPONSES)
def pending(request: HttpRequest, number: str, data: PendingIn) -> dict[str, Any]:
    ticket = visible_ticket(request, number)
    actions.set_pending(
        ticket,
        selectors.state_by_name(data.state),
        data.until,
        actor=auth.actor(request),
        note_body=data.body,
        note_subject=data.subject,
        attachments=uploads.decode(data.attachments, ticket.queue),
    )
    return _summary(number)


@router.post("/tickets/{number}/spam", response=RESPONSES)
def spam(request: HttpRequest, number: str) -> dict[str, Any]:
    actions.mark_spam(visible_ticket(request, number), actor=auth.actor(request))
    return _summary(number)


@router.post("/tickets/{number}/move", response=RESPONSES)
def move(request: HttpRequest, number: str, data: MoveIn) -> dict[str, Any]:
    actions.move_with_note(
        visible_ticket(request, number),
        _named(Queue, "full_name", data.queue, "queue"),
        actor=auth.actor(request),
        note_body=data.body,
        note_subject=data.subject,
    )
    return _summary(number)


@router.post("/tickets/{number}/merge", response=RESPONSES)
def merge(request: HttpRequest, number: str, data: MergeIn) -> dict[str, Any]:
    """Merge this ticket into ``into``; the answer is the target ticket."""
    source = visible_ticket(request, number)
    target = visible_ticket(request, data.into)
    merged = actions.merge(source, target, actor=auth.actor(request), note_body=data.body)
    return _summary(merged.number)


@router.post("/tickets/{number}/split", response={201: TicketSummary, codes_4xx: ErrorOut})
def split(request: HttpRequest, number: str, data: SplitIn) -> tuple[int, dict[str, Any]]:
    """A new ticket from a copy of one article, linked as this ticket's child."""
    ticket = visible_ticket(request, number)
    article = Article.objects.filter(ticket=ticket, number=data.article).first()
    if article is None:
        raise NotFound(_("No article %(article)s in this ticket."), article=data.article)
    new = actions.split(
        article,
        actor=auth.actor(request),
        title=data.title,
        queue=_named(Queue, "full_name", data.queue, "queue"),
    )
    return 201, _summary(new.number)


@router.post("/tickets/{number}/links", response=RESPONSES)
def link(request: HttpRequest, number: str, data: LinkIn) -> dict[str, Any]:
    """Link to another ticket (``parent_child``: this ticket is the parent)."""
    ticket = visible_ticket(request, number)
    other = visible_ticket(request, data.number)
    actions.link(ticket, other, actor=auth.actor(request), type=data.type)
    return _summary(number)


@router.delete("/tickets/{number}/links/{other}", response={200: LinkResult, codes_4xx: ErrorOut})
def unlink(request: HttpRequest, number: str, other: str) -> dict[str, int]:
    ticket = visible_ticket(request, number)
    removed = actions.unlink(ticket, visible_ticket(request, other), actor=auth.actor(request))
    if not removed:
        raise NotFound(_("These tickets are not linked."))
    return {"removed": removed}


@router.put("/tickets/{number}/master-slave", response=RESPONSES)
def master_slave(request: HttpRequest, number: str, data: MasterSlaveIn) -> dict[str, Any]:
    ticket = visible_ticket(request, number)
    actor = auth.actor(request)
    if data.role == "master":
        actions.set_master(ticket, actor=actor)
    elif data.role == "slave":
        if not data.master:
            raise InvalidInput(_("A slave needs the number of its master."), field="master")
        actions.set_slave(ticket, visible_ticket(request, data.master), actor=actor)
    else:
        actions.unset_master_slave(ticket, actor=actor)
    return _summary(number)


@router.post("/tickets/{number}/watch", response={200: WatchOut, codes_4xx: ErrorOut})
def watch(request: HttpRequest, number: str) -> dict[str, bool]:
    actions.watch(visible_ticket(request, number), actor=auth.actor(request))
    return {"watching": True}


@router.delete("/tickets/{number}/watch", response={200: WatchOut, codes_4xx: ErrorOut})
def unwatch(request: HttpRequest, number: str) -> dict[str, bool]:
    actions.unwatch(visible_ticket(request, number), actor=auth.actor(request))
    return {"watching": False}


@router.put("/tickets/{number}/dynamic-fields", response=RESPONSES)
def dynamic_fields(request: HttpRequest, number: str, data: DynamicFieldsIn) -> dict[str, Any]:
    """Set ticket dynamic fields by name; the values are validated by each field."""
    ticket = visible_ticket(request, number)
    fields = {f.name: f for f in DynamicField.objects.filter(name__in=list(data.values))}
    unknown = sorted(set(data.values) - set(fields))
    if unknown:
        raise InvalidInput(
            _("Unknown dynamic field: %(name)s"), name=unknown[0], field=f"values.{unknown[0]}"
        )
    values = {fields[name]: value for name, value in data.values.items()}
    actions.set_free_fields(ticket, values, actor=auth.actor(request))
    return _summary(number)
