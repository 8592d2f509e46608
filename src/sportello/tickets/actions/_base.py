"""The shared body of the actions: the locked read, the change time, the event, the
single-attribute change and the small formatting helpers of history values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.core.statements import INTEGER, Statement
from sportello.core.writes import Insert, Update
from sportello.tickets import events
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    TITLE_MAX_LENGTH,
    Article,
    Ticket,
)


def _fit_title(title: str) -> str:
    title = " ".join(title.split())
    return title[: TITLE_MAX_LENGTH - 1] + "…" if len(title) > TITLE_MAX_LENGTH else title


def _locked_query(pk: Any) -> QuerySet[Ticket]:
    # Queue, state and the agents come along (permission checks, preconditions and the
    # history's old values read them); only the ticket row is locked.
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "state", "owner", "responsible")
        .filter(pk=pk)
    )


# Every action starts with this read: compiled once (core.statements).
_LOCKED = Statement(_locked_query, INTEGER)
# add_article's: the number of the ticket's last article in the same statement.
_LOCKED_WITH_LAST_ARTICLE = Statement(
    lambda pk: _locked_query(pk).annotate(
        last_article=Subquery(
            Article.objects.filter(ticket=OuterRef("pk")).order_by("-number").values("number")[:1]
        )
    ),
    INTEGER,
)


# Every new ticket and every action's change time: compiled once (core.writes).
_INSERT = Insert(Ticket)
_UPDATE = Update(Ticket)


# What a held row comes with: besides the usual, what composing a mail to the customer
# reads (sender address, salutation, signature, the ticket's names), so that a dialog or
# an answer reads its row once.
_HELD_ROW = Statement(
    lambda pk: (
        _locked_query(pk)
        .select_related(
            "queue__system_address", "queue__salutation", "queue__signature", "priority", "type"
        )
        .annotate(
            last_article=Subquery(
                Article.objects.filter(ticket=OuterRef("pk"))
                .order_by("-number")
                .values("number")[:1]
            )
        )
    ),
    INTEGER,
)
# The row a ``holding`` block has locked: the actions inside the block use this instance
# (which they change as they write) instead of reading the row again. A context
# variable, so it is this thread's (or task's) and ends with the block.
_HELD: ContextVar[Ticket | None] = ContextVar("held_ticket", default=None)


def _locked_ticket(ticket: Ticket, *, last_article: bool = False) -> Ticket:
    """The current row, locked until the transaction ends (SQLite: the IMMEDIATE
    transaction already holds the write lock). ``last_article``: with the attribute
    ``last_article``, the number of its newest article (None without one). Inside a
    ``holding`` block of the same ticket: the held row."""
    held = _HELD.get()
    if held is not None and held.pk == ticket.pk:
        if last_article and "last_article" not in held.__dict__:
            newest = Article.objects.filter(ticket_id=held.pk).order_by("-number").first()
            held.last_article = newest.number if newest else None  # type: ignore[attr-defined]
        return held
    statement = _LOCKED_WITH_LAST_ARTICLE if last_article else _LOCKED
    current = statement.first(ticket.pk)
    if current is None:
        raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
    return current


@contextmanager
def holding(ticket: Ticket) -> Iterator[Ticket]:
    """Lock the row once for a block of actions on one ticket (a dialog's submit, an
    answer with its lock and state change): one transaction, one read; nested blocks of
    the same ticket share the row. A refused action ends the block (its changes to the
    row are rolled back, not to the instance): do not catch it inside and go on."""
    held = _HELD.get()
    if held is not None and held.pk == ticket.pk:
        yield held
        return
    with transaction.atomic():
        current = _HELD_ROW.first(ticket.pk)
        if current is None:
            raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
        token = _HELD.set(current)
        try:
            yield current
        finally:
            _HELD.reset(token)


def _touch(ticket: Ticket, actor: Actor, *fields: str) -> None:
    ticket.changed = timezone.now()
    ticket.changed_by = actor.user
    _UPDATE.save(ticket, [*fields, "changed", "changed_by"])


def _publish(
    event_class: type[events.TicketAttributeChanged],
    ticket: Ticket,
    actor: Actor,
    attribute: str,
    old: str,
    new: str,
) -> None:
    publish(
        event_class(
            ticket_id=ticket.pk,
            actor_id=actor.user.pk,
            channel=actor.channel,
            attribute=attribute,
            old=old,
            new=new,
        ),
        subject=ticket,
    )


def _change(
    ticket: Ticket,
    *,
    actor: Actor,
    permission: str,
    attribute: str,
    value: Any,
    show: Callable[[Any], str],
    history_type: HistoryType,
    event_class: type[events.TicketAttributeChanged],
    check: Callable[[Ticket], None] | None = None,
    comment: str = "",
) -> Ticket:
    """The shared body of the single-attribute actions."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, permission, current.queue)
        if check is not None:
            check(current)
        old_value = getattr(current, attribute)
        if old_value == value:
            return current
        old, new = show(old_value), show(value)
        setattr(current, attribute, value)
        _touch(current, actor, attribute)
        record(current, history_type, actor=actor, old=old, new=new, comment=comment)
        _publish(event_class, current, actor, attribute, old, new)
    return current


def _name(obj: Any) -> str:
    return "" if obj is None else str(getattr(obj, "name", obj))


def _username(user: User | None) -> str:
    return "" if user is None else user.username


def _timestamp(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


def _require_valid(obj: Any, message: Any) -> None:
    if not getattr(obj, "valid", True) or not getattr(obj, "is_active", True):
        raise InvalidInput(message, name=str(obj))
