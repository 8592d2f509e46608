"""Ticket endpoints: thin callers of the tickets' selectors and actions. A ticket in a
queue the agent may not read does not exist for them (404); a missing permission for an
action is the action's own refusal (403)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, UploadedFile
from ninja.responses import codes_4xx

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.api import auth, render, uploads
from sportello.api.schemas import (
    ArticleIn,
    ArticleOut,
    ErrorOut,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketPatch,
    TicketSummary,
)
from sportello.api.search import SearchQuery, page
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput, NotFound
from sportello.mail import forwarding
from sportello.queues.models import Queue
from sportello.queues.selectors import queue_by_name
from sportello.sla.models import SLA, Service
from sportello.tickets import actions, rich_text, selectors
from sportello.tickets.models import Article, Attachment, Channel, SenderType, Ticket

router = Router(tags=["tickets"])

# Multipart operations: the JSON document of the plain operation in the form field
# ``data`` and any number of file parts named ``files``, added to its attachments.
Uploads = File[list[UploadedFile] | None]


def visible_ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = selectors.ticket_row(number)
    if not permissions.may(auth.agent(request), "ro", ticket.queue):
        raise NotFound(_("No ticket with number %(number)s."), number=number)
    return ticket


def _named(model: Any, attribute: str, value: str, field: str) -> Any:
    rows = model if isinstance(model, QuerySet) else model._default_manager.all()
    found = rows.filter(**{attribute: value}).first()
    if found is None:
        raise InvalidInput(_("Unknown value for %(field)s: %(name)s"), field=field, name=value)
    return found


def _queue(full_name: str) -> Queue:
    # A valid queue from the configuration cache; any other through the plain lookup.
    return queue_by_name(full_name) or _named(Queue, "full_name", full_name, "queue")


def _agent(login: str, field: str) -> User:
    return _named(User.objects.filter(is_system=False), "username", login, field)


@router.get("/tickets", response={200: TicketPage, codes_4xx: ErrorOut})
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    tickets, cursor = page(auth.agent(request), query)
    return {"tickets": [render.summary(t) for t in tickets], "next_cursor": cursor}


# Registered before ``/tickets/{number}``, whose pattern would take the path first.
@router.post("/tickets/multipart", response={201: TicketOut, codes_4xx: ErrorOut})
def create_ticket_multipart(
    request: HttpRequest, data: TicketCreate, files: Uploads = None
) -> tuple[int, dict[str, Any]]:
    """As ``POST /tickets``, with the first article's files as multipart parts."""
    return _create(request, data, files or [])


@router.get("/tickets/{number}", response={200: TicketOut, codes_4xx: ErrorOut})
def get_ticket(request: HttpRequest, number: str, history: bool = False) -> dict[str, Any]:
    ticket = visible_ticket(request, number)
    return render.detail(ticket, auth.agent(request), history=history)


def _article_input(
    data: ArticleIn, actor: Actor, queue: Queue, uploaded: list[UploadedFile]
) -> actions.ArticleInput:
    files = uploads.decode(data.attachments, queue, uploaded)
    written = rich_text.from_input(data.body, data.content_type)
    files = [*files, *written.images]
    if data.kind == "phone":
        sender = SenderType.CUSTOMER if data.inbound else SenderType.AGENT
        return actions.ArticleInput(
            channel=Channel.PHONE,
            sender_type=sender,
            subject=data.subject,
            body=written.text,
            body_html=written.html,
            visible_for_customer=True,
            attachments=files,
            accounted_minutes=data.accounted_minutes,
        )
    if data.kind == "note":
        return actions.ArticleInput(
            channel=Channel.INTERNAL,
            sender_type=SenderType.AGENT,
            subject=data.subject,
            body=written.text,
            body_html=written.html,
            visible_for_customer=data.visible_for_customer,
            from_address=actor.label,
            attachments=files,
            accounted_minutes=data.accounted_minutes,
        )
    raise InvalidInput(
        _("A new ticket starts with a note or a phone call; answer by mail afterwards."),
        field="article.kind",
    )


@router.post("/tickets", response={201: TicketOut, codes_4xx: ErrorOut})
def create_ticket(request: HttpRequest, data: TicketCreate) -> tuple[int, dict[str, Any]]:
    return _create(request, data, [])


def _create(
    request: HttpRequest, data: TicketCreate, uploaded: list[UploadedFile]
) -> tuple[int, dict[str, Any]]:
    actor = auth.actor(request)
    queue = _queue(data.queue)
    ticket = actions.create_ticket(
        title=data.title,
        queue=queue,
        actor=actor,
        state=selectors.state_by_name(data.state) if data.state else None,
        priority=selectors.priority_by_name(data.priority) if data.priority else None,
        type=selectors.ticket_type_by_name(data.type) if data.type else None,
        owner=_agent(data.owner, "owner") if data.owner else None,
        responsible=_agent(data.responsible, "responsible") if data.responsible else None,
        customer_user_id=data.customer_user,
        customer_company_id=data.customer_company,
        pending_until=data.pending_until,
        article=_article_input(data.article, actor, queue, uploaded),
    )
    return 201, render.detail(selectors.ticket_row(ticket.number), actor.user)


def _apply(ticket: Ticket, data: TicketPatch, actor: Actor) -> None:
    """Each given attribute through its action, in the order the agent UI's dialogs
    would apply them; the caller's transaction makes it all or nothing."""
    if data.title is not None:
        ticket = actions.set_title(ticket, data.title, actor=actor)
    if data.queue is not None:
        ticket = actions.move(ticket, _named(Queue, "full_name", data.queue, "queue"), actor=actor)
    if data.state is not None:
        state = selectors.state_by_name(data.state)
        ticket = actions.set_state(ticket, state, actor=actor, pending_until=data.pending_until)
    elif data.pending_until is not None:
        ticket = actions.set_pending_time(ticket, data.pending_until, actor=actor)
    if data.priority is not None:
        priority = selectors.priority_by_name(data.priority)
        ticket = actions.set_priority(ticket, priority, actor=actor)
    if data.type is not None:
        ticket_type = selectors.ticket_type_by_name(data.type)
        ticket = actions.set_type(ticket, ticket_type, actor=actor)
    if data.owner is not None:
        ticket = actions.set_owner(ticket, _agent(data.owner, "owner"), actor=actor)
    if data.responsible is not None:
        # An empty name clears the responsible agent.
        responsible = _agent(data.responsible, "responsible") if data.responsible else None
        ticket = actions.set_responsible(ticket, responsible, actor=actor)
    if data.customer_user is not None or data.customer_company is not None:
        ticket = actions.set_customer(
            ticket,
            customer_user_id=_given(data.customer_user, ticket.customer_user_id),
            customer_company_id=_given(data.customer_company, ticket.customer_company_id),
            actor=actor,
        )
    if data.service is not None:
        service = _named(Service, "full_name", data.service, "service") if data.service else None
        ticket = actions.set_service(ticket, service, actor=actor)
    if data.sla is not None:
        sla = _named(SLA, "name", data.sla, "sla") if data.sla else None
        actions.set_sla(ticket, sla, actor=actor)


def _given(value: str | None, current: str) -> str:
    return current if value is None else value


@router.patch("/tickets/{number}", response={200: TicketOut, codes_4xx: ErrorOut})
def update_ticket(request: HttpRequest, number: str, data: TicketPatch) -> dict[str, Any]:
    ticket = visible_ticket(request, number)
    actor = auth.actor(request)
    with transaction.atomic():
        _apply(ticket, data, actor)
    return render.detail(selectors.ticket_row(number), actor.user)


@router.post("/tickets/{number}/articles", response={201: ArticleOut, codes_4xx: ErrorOut})
def add_article(request: HttpRequest, number: str, data: ArticleIn) -> tuple[int, dict[str, Any]]:
    return _add_article(request, number, data, [])


@router.post(
    "/tickets/{number}/articles/multipart", response={201: ArticleOut, codes_4xx: ErrorOut}
)
def add_article_multipart(
    request: HttpRequest, number: str, data: ArticleIn, files: Uploads = None
) -> tuple[int, dict[str, Any]]:
    """As ``POST /tickets/{number}/articles``, with the files as multipart parts."""
    return _add_article(request, number, data, files or [])


def _add_article(
    request: HttpRequest, number: str, data: ArticleIn, uploaded: list[UploadedFile]
) -> tuple[int, dict[str, Any]]:
    ticket = visible_ticket(request, number)
    actor = auth.actor(request)
    files = uploads.decode(data.attachments, ticket.queue, uploaded)
    article: Article
    if data.kind == "note":
        article = actions.note(
            ticket,
            actor=actor,
            body=data.body,
            subject=data.subject,
            visible_for_customer=data.visible_for_customer,
            attachments=files,
            accounted_minutes=data.accounted_minutes,
            content_type=data.content_type,
        )
    elif data.kind == "phone":
        article = actions.phone_call(
            ticket,
            actor=actor,
            inbound=data.inbound,
            body=data.body,
            subject=data.subject,
            attachments=files,
            accounted_minutes=data.accounted_minutes,
            content_type=data.content_type,
        )
    else:
        # The agent's answer path (slaves of a master answered too): outbox, then SMTP.
        article = forwarding.answer(
            ticket,
            actor=actor,
            text=data.body,
            to=data.to,
            cc=data.cc,
            subject=data.subject or None,
            attachments=uploads.for_mail(files),
            accounted_minutes=data.accounted_minutes,
            content_type=data.content_type,
        )
    return 201, render.article(Article.objects.get(pk=article.pk))


@router.post("/tickets/{number}/lock", response={200: TicketSummary, codes_4xx: ErrorOut})
def lock(request: HttpRequest, number: str) -> dict[str, Any]:
    actions.lock(visible_ticket(request, number), actor=auth.actor(request))
    return render.summary(selectors.ticket_by_number(number))


@router.post("/tickets/{number}/unlock", response={200: TicketSummary, codes_4xx: ErrorOut})
def unlock(request: HttpRequest, number: str) -> dict[str, Any]:
    actions.unlock(visible_ticket(request, number), actor=auth.actor(request))
    return render.summary(selectors.ticket_by_number(number))


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response={200: None, codes_4xx: ErrorOut},
    openapi_extra={"responses": {200: {"description": "The file, as a download."}}},
)
def attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    ticket = visible_ticket(request, number)
    item = Attachment.objects.filter(pk=attachment_id, article__ticket=ticket).first()
    if item is None or not item.file:
        raise NotFound(_("No attachment with id %(id)s."), id=attachment_id)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("No attachment with id %(id)s."), id=attachment_id) from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.filename, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
