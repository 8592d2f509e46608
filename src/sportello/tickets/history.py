"""The one writer of ticket history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from sportello.core.writes import Insert
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket

if TYPE_CHECKING:
    from sportello.core.actor import Actor

# Every action writes history: the insert is compiled once per row count (core.writes).
_INSERT = Insert(History)
_ATTNAMES = tuple(field.attname for field in History._meta.concrete_fields)


def record(
    ticket: Ticket,
    type: HistoryType,
    *,
    actor: Actor,
    old: str = "",
    new: str = "",
    article: Article | None = None,
    comment: str = "",
) -> History:
    row = entry(ticket, type, actor=actor, old=old, new=new, article=article, comment=comment)
    _INSERT.save([row])
    return row


def record_all(rows: list[History]) -> None:
    """Write rows made by ``entry`` in one insert, in order."""
    _INSERT.save(rows)


def record_many(rows: Sequence[History]) -> None:
    """Write a job's batch of rows (made by ``entry`` or ``entry_by_ids``), in order, with
    SQL that does not depend on their number (``Insert.save_many``)."""
    _INSERT.save_many(rows)


def entry(
    ticket: Ticket,
    type: HistoryType,
    *,
    actor: Actor,
    old: str = "",
    new: str = "",
    article: Article | None = None,
    comment: str = "",
) -> History:
    """An unsaved history row (``record`` writes one, ``record_all`` several)."""
    row = entry_by_ids(
        ticket.pk,
        type,
        queue_id=ticket.queue_id,
        state_id=ticket.state_id,
        actor=actor,
        old=old,
        new=new,
        comment=comment,
    )
    row.ticket = ticket
    row.article = article
    return row


def entry_by_ids(
    ticket_id: int,
    type: HistoryType,
    *,
    queue_id: int,
    state_id: int,
    actor: Actor,
    old: str = "",
    new: str = "",
    comment: str = "",
    created: datetime | None = None,
) -> History:
    """``entry`` for a job that reads ticket columns rather than tickets. ``created``: the
    job's time for every row of its batch (default: now)."""
    values = {
        "id": None,
        "ticket_id": ticket_id,
        "article_id": None,
        "type": type,
        "actor_id": actor.user.pk,
        "actor_name": actor.label[:300],
        "channel": actor.channel,
        "old_value": old,
        "new_value": new,
        "comment": comment,
        "queue_id_at": queue_id,
        "state_id_at": state_id,
        "created": created or timezone.now(),
    }
    # Positional values in the model's field order: Django's fast way to build an
    # instance (a job's batch has thousands). A field added to History fails here loudly.
    return History(*[values[name] for name in _ATTNAMES])
