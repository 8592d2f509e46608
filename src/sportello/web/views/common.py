"""What agent pages share: the ticket the agent may see (the agent check itself is
``accounts.decorators.agent_required``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from sportello.accounts import permissions
from sportello.core.errors import NotFound
from sportello.tickets import selectors
from sportello.tickets.models import Ticket


def visible_ticket(request: HttpRequest, number: str) -> Ticket:
    """The ticket, or 404 when it does not exist or the agent may not see it."""
    try:
        ticket = selectors.ticket_by_number(number)
    except NotFound:
        raise Http404 from None
    if not permissions.may(request.user, "ro", ticket.queue):  # type: ignore[arg-type]
        raise Http404
    return ticket
