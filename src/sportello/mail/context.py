"""The variables that salutations, signatures, templates and notifications may use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.mail.compose import person
from sportello.tickets.models import Ticket
from sportello.tickets.selectors import ticket_url


def by_address(address: str) -> QuerySet[CustomerUser]:
    """Customer users with this address in any case (uses the index on LOWER(email))."""
    return CustomerUser.objects.alias(email_lower=Lower("email")).filter(
        email_lower=Lower(Value(address))
    )


def customer_of(ticket: Ticket) -> CustomerUser | None:
    """The customer user of the ticket (by login, else by address); remembered on the
    ticket instance, since composing one mail asks several times."""
    login = ticket.customer_user_id
    if not login:
        return None
    remembered = ticket.__dict__.get("_customer_of")
    if remembered is not None and remembered[0] == login:
        found: CustomerUser | None = remembered[1]
        return found
    candidates = list(
        CustomerUser.objects.alias(email_lower=Lower("email"))
        .filter(Q(login=login) | Q(email_lower=Lower(Value(login))))
        .order_by("pk")[:10]
    )
    found = next((c for c in candidates if c.login == login), None) or next(iter(candidates), None)
    ticket.__dict__["_customer_of"] = (login, found)
    return found


def customer_address(ticket: Ticket) -> str:
    customer = customer_of(ticket)
    if customer is not None:
        return customer.email
    return ticket.customer_user_id if "@" in ticket.customer_user_id else ""


def customer_language(ticket: Ticket) -> str:
    customer = customer_of(ticket)
    return customer.language if customer and customer.language else settings.LANGUAGE_CODE


def template_context(ticket: Ticket, *, agent: User | None = None) -> dict[str, Any]:
    customer = customer_of(ticket)
    customer_vars = (
        person(customer.first_name, customer.last_name, customer.email, customer.login)
        if customer
        else person(email=customer_address(ticket), login=ticket.customer_user_id)
    )
    agent_vars = (
        person(agent.first_name, agent.last_name, agent.email, agent.username)
        if agent and not agent.is_system
        else person()
    )
    owner = ticket.owner
    return {
        "customer": customer_vars,
        "agent": agent_vars,
        "owner": person(owner.first_name, owner.last_name, owner.email, owner.username),
        "ticket": {
            "number": ticket.number,
            "title": ticket.title,
            "queue": ticket.queue.full_name,
            "state": str(ticket.state),
            "priority": str(ticket.priority),
            "type": str(ticket.type),
            "url": settings.SPORTELLO_BASE_URL.rstrip("/") + ticket_url(ticket),
        },
        "queue": ticket.queue.full_name,
        "config": {"ticket_hook": settings.SPORTELLO_TICKET_HOOK},
    }
