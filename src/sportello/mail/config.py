"""Cached reads of the configuration that every incoming message and every notification
consults (see ``mail.cache`` for how changes reach each process)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput
from sportello.mail import cache

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.mail.models import PostmasterFilter
    from sportello.queues.models import Queue
    from sportello.tickets.models import Priority, State, TicketType


def _by_name(model: Any, label: Any) -> Any:
    def load() -> dict[str, Any]:
        return {row.name: row for row in model.objects.all()}

    return load


def _named(key: str, model: Any, name: str, label: Any) -> Any:
    found = cache.get(key, _by_name(model, label)).get(name)
    if found is None:
        raise InvalidInput(_("Unknown %(what)s: %(name)s"), what=label, name=name)
    return found


def state_by_name(name: str) -> State:
    from sportello.tickets.models import State

    state: State = _named("states", State, name, _("state"))
    return state


def state_by_id(pk: int) -> State:
    from sportello.tickets.models import State

    states = cache.get("states", _by_name(State, _("state")))
    found = next((s for s in states.values() if s.pk == pk), None)
    return found if found is not None else State.objects.get(pk=pk)


def priority_by_name(name: str) -> Priority:
    from sportello.tickets.models import Priority

    priority: Priority = _named("priorities", Priority, name, _("priority"))
    return priority


def ticket_type_by_name(name: str) -> TicketType:
    from sportello.tickets.models import TicketType

    ticket_type: TicketType = _named("types", TicketType, name, _("ticket type"))
    return ticket_type


def default_state() -> State:
    from sportello.tickets.selectors import DEFAULT_STATE

    return state_by_name(DEFAULT_STATE)


def default_priority() -> Priority:
    from sportello.tickets.selectors import DEFAULT_PRIORITY

    return priority_by_name(DEFAULT_PRIORITY)


def default_ticket_type() -> TicketType:
    from sportello.tickets.selectors import DEFAULT_TICKET_TYPE

    return ticket_type_by_name(DEFAULT_TICKET_TYPE)


def system_user() -> User:
    from sportello.accounts import selectors

    user: User = cache.get("system_user", selectors.system_user)
    return user


def postmaster_filters() -> list[PostmasterFilter]:
    from sportello.mail.models import PostmasterFilter

    def load() -> list[PostmasterFilter]:
        return list(PostmasterFilter.objects.filter(valid=True).order_by("order", "name"))

    return cache.get("filters", load)


def queue_by_name(full_name: str) -> Queue | None:
    """A valid queue by its full name (``IT::Network``), else None."""
    from sportello.queues.models import Queue

    def load() -> dict[str, Queue]:
        return {q.full_name: q for q in Queue.objects.filter(valid=True).select_related("group")}

    return cache.get("queues", load).get(full_name)


def queue_for_address(address: str) -> Queue | None:
    """The valid queue a valid system address (any case) files mail into."""
    from sportello.queues.models import SystemAddress

    def load() -> dict[str, Queue]:
        rows = SystemAddress.objects.filter(valid=True, queue__valid=True).select_related(
            "queue__group"
        )
        return {a.email.lower(): a.queue for a in rows if a.queue is not None}

    return cache.get("routes", load).get(address.lower())


def is_system_address(address: str) -> bool:
    """One of our own addresses (valid or not): never answered automatically."""
    from sportello.queues.models import SystemAddress

    def load() -> frozenset[str]:
        return frozenset(e.lower() for e in SystemAddress.objects.values_list("email", flat=True))

    return address.strip().lower() in cache.get("own_addresses", load)


def offers_auto_response(queue_id: int, response_type: str) -> bool:
    from sportello.mail.models import AutoResponse

    def load() -> frozenset[tuple[int, str]]:
        rows = AutoResponse.queues.through.objects.filter(autoresponse__valid=True).values_list(
            "queue_id", "autoresponse__type"
        )
        return frozenset(rows)

    return (queue_id, response_type) in cache.get("auto_responses", load)


def offers_customer_notification(queue_id: int, notification_type: str) -> bool:
    from sportello.notifications.models import CustomerNotification

    def load() -> frozenset[tuple[int, str]]:
        rows = CustomerNotification.queues.through.objects.filter(
            customernotification__valid=True
        ).values_list("queue_id", "customernotification__type")
        return frozenset(rows)

    return (queue_id, notification_type) in cache.get("customer_notifications", load)


def offers_customer_notification_type(notification_type: str) -> bool:
    """Is this customer notification switched on for any queue?"""
    from sportello.notifications.models import CustomerNotification

    def load() -> frozenset[tuple[int, str]]:
        rows = CustomerNotification.queues.through.objects.filter(
            customernotification__valid=True
        ).values_list("queue_id", "customernotification__type")
        return frozenset(rows)

    offered = cache.get("customer_notifications", load)
    return any(kind == notification_type for _, kind in offered)


def may_have_subscribers(queue_id: int) -> bool:
    """False when no agent has the queue in My Queues (True may still find nobody
    active: the caller asks the database then)."""
    from sportello.accounts.models import User

    def load() -> frozenset[int]:
        return frozenset(User.my_queues.through.objects.values_list("queue_id", flat=True))

    return queue_id in cache.get("subscribed_queues", load)
