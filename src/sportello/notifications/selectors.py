"""Cached reads of the customer notification texts' assignment to queues
(``core.cache``: consulted for every ticket event, changed rarely)."""

from __future__ import annotations

from sportello.core import cache
from sportello.notifications.models import CustomerNotification


def _offered() -> frozenset[tuple[int, str]]:
    """(queue id, notification type) of every valid text."""

    def load() -> frozenset[tuple[int, str]]:
        rows = CustomerNotification.queues.through.objects.filter(
            customernotification__valid=True
        ).values_list("queue_id", "customernotification__type")
        return frozenset(rows)

    return cache.get("customer_notifications", load)


def offers_customer_notification(queue_id: int, notification_type: str) -> bool:
    return (queue_id, notification_type) in _offered()


def offers_customer_notification_type(notification_type: str) -> bool:
    """Is this customer notification switched on for any queue?"""
    return any(kind == notification_type for _, kind in _offered())
