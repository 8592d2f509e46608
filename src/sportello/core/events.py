"""A small in-process domain event bus.

Actions publish events *after* their transaction commits (``transaction.on_commit``), so
subscribers (notifications, search indexing) never see a change that was rolled back.
Subscribers that do slow or remote work should enqueue a Huey task rather than do it
inline: the bus runs them in the publishing process.

A few derived columns must change together with what they derive from (the SLA due
times of a ticket): their subscribers are registered with ``subscribe_in_transaction``
and run at ``publish``, inside the action's transaction, on the object the action holds
locked. They must be cheap and may not do I/O beyond the database. An action that saves
the object itself after publishing can open ``saved_after(subject)``: subscribers then
hand it the columns they changed (``defer_columns``) instead of writing them, and the
action's own write takes them along.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
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
SubjectHandler = Callable[[Any, Any], None]
_in_transaction: dict[type[DomainEvent], list[SubjectHandler]] = defaultdict(list)
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


def subscribe_in_transaction(
    event_type: type[E],
) -> Callable[[Callable[[E, Any], None]], Callable[[E, Any], None]]:
    """Decorator: call ``function(event, subject)`` at publish time, inside the
    publisher's transaction, with the changed object (the locked ticket)."""

    def register(handler: Callable[[E, Any], None]) -> Callable[[E, Any], None]:
        if handler not in _in_transaction[event_type]:
            _in_transaction[event_type].append(handler)
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


_SAVED_AFTER = "_columns_saved_after"


@contextmanager
def saved_after(subject: Any) -> Iterator[set[str]]:
    """The names of the columns in-transaction subscribers changed on ``subject`` inside
    the block and left unwritten; the caller must save them right after the block."""
    pending: set[str] = set()
    subject.__dict__[_SAVED_AFTER] = pending
    try:
        yield pending
    finally:
        subject.__dict__.pop(_SAVED_AFTER, None)


def defer_columns(subject: Any, names: Iterable[str]) -> bool:
    """For an in-transaction subscriber: True when the publisher saves ``subject`` after
    the event (the columns are recorded for that save), False when the subscriber must
    write them itself."""
    pending: set[str] | None = subject.__dict__.get(_SAVED_AFTER)
    if pending is None:
        return False
    pending.update(names)
    return True


def publish(event: DomainEvent, *, subject: Any = None) -> None:
    """Run the in-transaction subscribers on ``subject`` now, and dispatch to the others
    after the surrounding transaction commits (at once outside a transaction)."""
    for event_type in type(event).__mro__:
        for handler in _in_transaction.get(event_type, ()):
            if subject is None:
                # A programming error: the derived columns would silently go stale.
                raise TypeError(f"{type(event).__name__} is published without its subject")
            handler(event, subject)
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
