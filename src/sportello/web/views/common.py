"""What every agent page needs: the agent check and the ticket the agent may see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from sportello.accounts import permissions
from sportello.core.errors import NotFound
from sportello.tickets import selectors
from sportello.tickets.models import Ticket

View = Callable[..., HttpResponseBase]


def agent_required(view: View) -> View:
    """Logged-in, active agents only; the system user never logs in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "is_system", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def visible_ticket(request: HttpRequest, number: str) -> Ticket:
    """The ticket, or 404 when it does not exist or the agent may not see it."""
    try:
        ticket = selectors.ticket_by_number(number)
    except NotFound:
        raise Http404 from None
    if not permissions.may(request.user, "ro", ticket.queue):  # type: ignore[arg-type]
        raise Http404
    return ticket
