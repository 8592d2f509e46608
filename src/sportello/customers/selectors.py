"""Customer information for the agent side (the ticket zoom's sidebar)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from sportello.customers import ldap
from sportello.customers.models import CustomerUser

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.tickets.models import Ticket


def customer_record(customer_user_id: str) -> CustomerUser | None:
    """The customer behind a ticket's customer id (a login or an address): the database
    first, then the directory when LDAP is configured."""
    value = customer_user_id.strip()
    if not value:
        return None
    found = (
        CustomerUser.objects.select_related("company")
        .filter(Q(login=value) | Q(email__iexact=value))
        .order_by("id")
        .first()
    )
    if found is None and ldap.enabled() and "@" not in value:
        found = ldap.lookup(value)
    return found


def other_tickets(ticket: Ticket, viewer: User, *, limit: int = 10) -> Any:
    """The same customer's other tickets that are not closed and that ``viewer`` may
    see, newest first (the zoom lists them beside the customer)."""
    from sportello.accounts.permissions import visible_tickets
    from sportello.tickets.models import StateType, Ticket

    if not ticket.customer_user_id:
        return Ticket.objects.none()
    same_customer = (
        Ticket.objects.filter(customer_user_id=ticket.customer_user_id)
        .exclude(pk=ticket.pk)
        .exclude(state__type__in=(StateType.CLOSED, StateType.MERGED, StateType.REMOVED))
    )
    return (
        visible_tickets(viewer, same_customer)
        .select_related("state", "queue")
        .order_by("-created")[:limit]
    )
