"""Reads for the portal; every list starts from the permission module's customer rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.customers.models import CustomerUser
from sportello.portal.models import RequestForm
from sportello.tickets.models import Attachment, StateType, Ticket

# The state in the customer's words.
CUSTOMER_STATES = {
    StateType.NEW: _("received"),
    StateType.OPEN: _("in progress"),
    StateType.PENDING_REMINDER: _("waiting for you"),
    StateType.PENDING_AUTO: _("resolved"),
    StateType.CLOSED: _("resolved"),
}
MAX_ID = 2**63
OPEN_TYPES = (StateType.NEW, StateType.OPEN, StateType.PENDING_REMINDER)
CLOSED_TYPES = (StateType.PENDING_AUTO, StateType.CLOSED)


def customer_state(ticket: Ticket) -> Any:
    return CUSTOMER_STATES.get(StateType(ticket.state.type), _("in progress"))


def my_requests(customer: CustomerUser, *, status: str = "", search: str = "") -> QuerySet[Ticket]:
    tickets = permissions.customer_tickets(customer).select_related("state")
    if status == "open":
        tickets = tickets.filter(state__type__in=OPEN_TYPES)
    elif status == "closed":
        tickets = tickets.filter(state__type__in=CLOSED_TYPES)
    search = search.replace("\x00", "").strip()[:200]
    if search:
        # Title, number, and the text of articles the customer can see.
        tickets = tickets.filter(
            Q(title__icontains=search)
            | Q(number=search)
            | Q(
                pk__in=permissions.customer_tickets(customer)
                .filter(
                    articles__visible_for_customer=True,
                    articles__body__icontains=search,
                )
                .values("pk")
            )
        )
    return tickets.order_by("-changed", "-id")


def my_ticket(customer: CustomerUser, number: str) -> Ticket:
    """The customer's ticket by number; 404 for every other number, existing or not."""
    if not number.isascii() or not number.isdigit():
        raise Http404
    ticket = (
        permissions.customer_tickets(customer)
        .select_related("state", "queue")
        .filter(number=number[:50])
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def my_attachment(customer: CustomerUser, ticket: Ticket, attachment_id: int) -> Attachment:
    if not 0 < attachment_id < MAX_ID:
        raise Http404
    attachment = permissions.customer_attachments(customer, ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


def usable_forms(customer: CustomerUser | None) -> list[RequestForm]:
    forms = RequestForm.objects.filter(valid=True).order_by("name")
    return [f for f in forms if permissions.customer_may_use_form(customer, f)]


def form_by_slug(slug: str) -> RequestForm:
    form = (
        RequestForm.objects.select_related("queue", "ticket_type", "priority")
        .filter(slug=slug[:100])
        .first()
    )
    if form is None or not form.valid:
        raise Http404
    return form
