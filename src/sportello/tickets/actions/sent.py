"""The ticket's side of mail that leaves without an article of its own: a bounce sends an
article's original message on to another address (mail-out queues it)."""

from __future__ import annotations

from django.db import transaction

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.tickets import events
from sportello.tickets.actions._base import _locked_ticket, _publish, _touch
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Ticket


def record_bounce(ticket: Ticket, article: Article, *, actor: Actor, to: str) -> Ticket:
    """``article`` was redirected to ``to``: the ticket's change time, one Bounce history
    row naming the article, ``TicketBounced`` after commit."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        _touch(current, actor)
        record(current, HistoryType.BOUNCE, actor=actor, article=article, new=to)
        _publish(events.TicketBounced, current, actor, "bounce", "", to)
    return current
