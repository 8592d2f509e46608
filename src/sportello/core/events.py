"""A small in-process domain event bus.

Actions publish events *after* their transaction commits (``transaction.on_commit``), so
subscribers (notifications, SLA recomputation, search indexing) never see a change that
was rolled back. Subscribers that do slow or remote work should enqueue a Huey task
rather than do it inline: the bus runs them in the publishing process.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every domain event: what happened, to which ticket, by whom."""

    ticket_id: int | None
    actor_id: int | None
    channel: str
    # Quiet events change state but send no notifications (mail filed as ignored).
    quiet: bool = False
    occurred_at: Any = field(default_factory=timezone.now)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]
_subscribers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
# Called before each dispatch (e.g. to check that cached configuration is current).
_before_dispatch: list[Callable[[], None]] = []
_local = threading.local()


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Decorator: call the function for every event of this type (or a subclass)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _subscribers[event_type]:
            _subscribers[event_type].append(handler)
        return handler

    return register


def unsubscribe(event_type: type[DomainEvent], handler: Handler) -> None:
    if handler in _subscribers[event_type]:
        _subscribers[event_type].remove(handler)


def before_dispatch(callback: Callable[[], None]) -> None:
    if callback not in _before_dispatch:
        _before_dispatch.append(callback)


def dispatch(event: DomainEvent) -> None:
    """Deliver one event now. A failing subscriber is logged and does not stop the others:
    the change it reports is already committed."""
    for callback in _before_dispatch:
        try:
            callback()
        except Exception:
            logger.exception("before-dispatch hook %r failed", callback)
    for event_type in type(event).__mro__:
        for handler in list(_subscribers.get(event_type, ())):
            try:
                handler(event)
            except Exception:
                logger.exception("event subscriber %r failed for %r", handler, event)


def publish(event: DomainEvent) -> None:
    """Publish after the surrounding transaction commits (at once outside a transaction)."""
    for collected in getattr(_local, "collectors", ()):
        collected.append(event)
    transaction.on_commit(lambda: dispatch(event), robust=True)


@contextmanager
def collect() -> Iterator[list[DomainEvent]]:
    """The events published in this thread inside the block (e.g. the ids of rows an
    action created), in order; they are dispatched as usual."""
    collected: list[DomainEvent] = []
    stack: list[list[DomainEvent]] = getattr(_local, "collectors", [])
    _local.collectors = stack
    stack.append(collected)
    try:
        yield collected
    finally:
        stack.remove(collected)
