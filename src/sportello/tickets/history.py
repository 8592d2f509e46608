"""The one writer of ticket history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket

if TYPE_CHECKING:
    from sportello.core.actor import Actor


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
    return History.objects.create(
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
