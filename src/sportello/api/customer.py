"""The customer routes (``/customer/…``), for a customer user's token: their tickets (as
the portal's permission rules define them) with only the customer-visible articles, new
requests through a request form and follow-ups, each through the portal's own services,
so a request filed here is the same as one filed in the portal."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from sportello.accounts import permissions
from sportello.api import auth, render, uploads
from sportello.api.schemas import (
    CustomerReplyIn,
    CustomerTicketIn,
    CustomerTicketOut,
    CustomerTicketPage,
    ErrorOut,
    RequestFormOut,
)
from sportello.api.search import MAX_PAGE, decode_cursor, encode_cursor
from sportello.core.errors import NotFound
from sportello.customers.models import CustomerUser
from sportello.portal import selectors as portal_selectors
from sportello.portal import services as portal_services
from sportello.portal.models import RequestForm
from sportello.tickets.models import Article, Attachment, OriginChannel, Ticket

router = Router(tags=["customer"])


class CustomerQuery(Schema):
    status: str = Field("", pattern="^(|open|closed)$")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str = ""


def _ticket(customer: CustomerUser, number: str) -> Ticket:
    ticket = (
        permissions.customer_tickets(customer)
        .select_related("state", "queue")
        .filter(number=number[:50])
        .first()
    )
    if ticket is None:
        raise NotFound(_("No ticket with number %(number)s."), number=number)
    return ticket


def _summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "state": str(portal_selectors.customer_state(ticket)),
        "state_type": ticket.state.type,
        "created": ticket.created,
        "changed": ticket.changed,
    }


def _detail(customer: CustomerUser, ticket: Ticket) -> dict[str, Any]:
    articles = permissions.customer_articles(customer, ticket).order_by("number")
    data = _summary(ticket)
    data["articles"] = [_article(a) for a in articles.prefetch_related("attachments")]
    return data


def _article(item: Article) -> dict[str, Any]:
    full = render.article(item)
    return {key: full[key] for key in ("number", "sender_type", "from_address", "subject",
                                        "body", "created", "attachments")}  # fmt: skip


@router.get("/tickets", response={200: CustomerTicketPage, codes_4xx: ErrorOut})
def my_tickets(request: HttpRequest, query: Query[CustomerQuery]) -> dict[str, Any]:
    tickets = portal_selectors.my_requests(auth.customer(request), status=query.status)
    tickets = tickets.order_by("-pk")
    if query.cursor:
        tickets = tickets.filter(pk__lt=decode_cursor(query.cursor))
    rows = list(tickets[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "tickets": [_summary(t) for t in rows],
        "next_cursor": encode_cursor(rows[-1].pk) if more else None,
    }


@router.get("/tickets/{number}", response={200: CustomerTicketOut, codes_4xx: ErrorOut})
def my_ticket(request: HttpRequest, number: str) -> dict[str, Any]:
    customer = auth.customer(request)
    return _detail(customer, _ticket(customer, number))


@router.get("/forms", response={200: list[RequestFormOut], codes_4xx: ErrorOut})
def forms(request: HttpRequest) -> list[dict[str, str]]:
    usable = portal_selectors.usable_forms(auth.customer(request))
    return [{"slug": form.slug, "name": form.title} for form in usable]


@router.post("/tickets", response={201: CustomerTicketOut, codes_4xx: ErrorOut})
def create(request: HttpRequest, data: CustomerTicketIn) -> tuple[int, dict[str, Any]]:
    customer = auth.customer(request)
    form = RequestForm.objects.select_related("queue").filter(slug=data.form[:100]).first()
    if form is None or not permissions.customer_may_use_form(customer, form):
        raise NotFound(_("No request form %(name)s."), name=data.form, field="form")
    ticket = portal_services.file_request(
        form,
        customer=customer,
        email=customer.email,
        title=data.title,
        body=data.body,
        attachments=uploads.decode(data.attachments, form.queue),
        channel=OriginChannel.API,
    )
    return 201, _detail(customer, _ticket(customer, ticket.number))


@router.post("/tickets/{number}/articles", response={201: CustomerTicketOut, codes_4xx: ErrorOut})
def follow_up(
    request: HttpRequest, number: str, data: CustomerReplyIn
) -> tuple[int, dict[str, Any]]:
    """The customer's follow-up; the answer is the ticket that holds it (a new one when
    the queue files follow-ups on closed tickets as new tickets)."""
    customer = auth.customer(request)
    ticket = _ticket(customer, number)
    holder = portal_services.reply(
        customer,
        ticket,
        text=data.body,
        attachments=uploads.decode(data.attachments, ticket.queue),
    )
    return 201, _detail(customer, _ticket(customer, holder.number))


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response={200: None, codes_4xx: ErrorOut},
    openapi_extra={"responses": {200: {"description": "The file, as a download."}}},
)
def attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    customer = auth.customer(request)
    ticket = _ticket(customer, number)
    item: Attachment | None = (
        permissions.customer_attachments(customer, ticket).filter(pk=attachment_id).first()
    )
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
