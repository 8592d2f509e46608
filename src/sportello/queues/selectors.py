"""Cached reads of the queues and the system addresses that route mail into them
(``core.cache``: read for every message, changed rarely)."""

from __future__ import annotations

from sportello.core import cache
from sportello.queues.models import Queue, SystemAddress


def queue_by_name(full_name: str) -> Queue | None:
    """A valid queue by its full name (``IT::Network``), else None."""

    def load() -> dict[str, Queue]:
        return {q.full_name: q for q in Queue.objects.filter(valid=True).select_related("group")}

    return cache.get("queues", load).get(full_name)


def queue_for_address(address: str) -> Queue | None:
    """The valid queue a valid system address (any case) files mail into."""

    def load() -> dict[str, Queue]:
        rows = SystemAddress.objects.filter(valid=True, queue__valid=True).select_related(
            "queue__group"
        )
        return {a.email.lower(): a.queue for a in rows if a.queue is not None}

    return cache.get("routes", load).get(address.lower())


def is_system_address(address: str) -> bool:
    """One of our own addresses (valid or not): never answered automatically."""

    def load() -> frozenset[str]:
        return frozenset(e.lower() for e in SystemAddress.objects.values_list("email", flat=True))

    return address.strip().lower() in cache.get("own_addresses", load)
