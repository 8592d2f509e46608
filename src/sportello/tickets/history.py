"""The one writer of ticket history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sportello.core.writes import Insert
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket

if TYPE_CHECKING:
    from sportello.core.actor import Actor

# Every action writes history: the insert is compiled once per row count (core.writes).
_INSERT = Insert(History)


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
    return History(
        ticket=ticket,
        article=article,
        type=type,
        actor=actor.user,
        actor_name=actor.label[:300],
        channel=actor.channel,
        old_value=old,
        new_value=new,
        comment=comment,
        queue_id_at=ticket.queue_id,
        state_id_at=ticket.state_id,
    )
