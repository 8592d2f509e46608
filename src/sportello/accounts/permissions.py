"""The one place that decides what an agent may see and do.

Every view, selector, action, export and API path asks here. OTRS's permission types
per group: ro, move_into, create, note, owner, priority, rw (rw includes all others).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sportello.core.errors import PermissionDenied

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.queues.models import Queue

PERMISSION_TYPES = ("ro", "move_into", "create", "note", "owner", "priority", "rw")


def may(user: User, permission: str, queue: Queue) -> bool:
    """May ``user`` exercise ``permission`` on tickets of ``queue``?

    The system user may do everything. Agents: active accounts act on every queue's
    group until group grants are configured (``accounts`` grant tables); inactive
    accounts may do nothing.
    """
    if permission not in PERMISSION_TYPES:
        raise ValueError(f"unknown permission {permission!r}")
    if user.is_system:
        return True
    return bool(user.is_active)


def require(user: User, permission: str, queue: Queue) -> None:
    if not may(user, permission, queue):
        raise PermissionDenied(
            _("You lack the “%(permission)s” permission on queue %(queue)s."),
            permission=permission,
            queue=queue.full_name,
        )


def readable_queues(user: User) -> Any:
    """The queues whose tickets ``user`` may see (``ro``), as a queryset.

    Lists, counts, search and exports filter through this, so a ticket in a queue
    without read permission never shows up anywhere.
    """
    from sportello.queues.models import Queue

    if user.is_system or user.is_active:
        return Queue.objects.all()
    return Queue.objects.none()


def visible_tickets(user: User, queryset: Any) -> Any:
    """``queryset`` of tickets narrowed to those ``user`` may see."""
    return queryset.filter(queue__in=readable_queues(user))


# ---------------------------------------------------------------------------------------
# Customers (the portal): what a customer user may see and do.
#
# A customer sees the tickets whose customer is their login or address and, when their
# company allows it, every ticket of the company; of those, only the articles marked
# visible for the customer and those articles' attachments. Anything else is treated as
# not existing (the portal answers 404).
# ---------------------------------------------------------------------------------------


def _customer_filter(customer_user: Any) -> Any:
    from django.db.models import Q

    if not customer_user.valid:
        return None
    ids = {customer_user.login}
    if customer_user.email:
        ids |= {customer_user.email, customer_user.email.lower()}
    condition = Q(customer_user_id__in=sorted(ids))
    company = customer_user.company
    if company is not None and company.valid and company.portal_shows_company_tickets:
        condition |= Q(customer_company_id=company.customer_id)
    return condition


def customer_tickets(customer_user: Any, queryset: Any = None) -> Any:
    """The tickets (``queryset`` narrowed, default all) ``customer_user`` may see."""
    from sportello.tickets.models import StateType, Ticket

    queryset = Ticket.objects.all() if queryset is None else queryset
    condition = _customer_filter(customer_user)
    if condition is None:
        return queryset.none()
    # Merged tickets live on in their target; removed ones are gone for the customer.
    return queryset.filter(condition).exclude(state__type__in=[StateType.MERGED, StateType.REMOVED])


def customer_may_see(customer_user: Any, ticket: Any) -> bool:
    return bool(customer_tickets(customer_user).filter(pk=ticket.pk).exists())


def customer_articles(customer_user: Any, ticket: Any) -> Any:
    """The articles of ``ticket`` shown to ``customer_user``: none if the ticket is not
    theirs, else only those visible for the customer."""
    from sportello.tickets.models import Article

    if not customer_may_see(customer_user, ticket):
        return Article.objects.none()
    return ticket.articles.filter(visible_for_customer=True)


def customer_attachments(customer_user: Any, ticket: Any) -> Any:
    from sportello.tickets.models import Attachment

    return Attachment.objects.filter(article__in=customer_articles(customer_user, ticket))


def customer_may_reply(customer_user: Any, ticket: Any) -> bool:
    return customer_may_see(customer_user, ticket)


def customer_may_close(customer_user: Any, ticket: Any) -> bool:
    from sportello.tickets.models import StateType

    return (
        bool(getattr(ticket.queue, "customer_may_close", False))
        and ticket.state.type != StateType.CLOSED
        and customer_may_see(customer_user, ticket)
    )


def customer_may_use_form(customer_user: Any | None, request_form: Any) -> bool:
    """Logged-in customers may use every valid form; anonymous visitors only forms that
    allow it (and they confirm their address before a ticket exists)."""
    if not request_form.valid:
        return False
    if customer_user is None:
        return bool(request_form.allow_anonymous)
    return bool(customer_user.valid)
