"""Due times follow the ticket: each event that moves a clock recomputes them, inside the
action's transaction, on the row the action holds locked (no read of their own, no commit
of their own, never a moment where the ticket and its due times disagree)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError

from sportello.core.events import subscribe_in_transaction
from sportello.sla import services, update_waits
from sportello.tickets import events
from sportello.tickets.models import SenderType, Ticket

logger = logging.getLogger(__name__)


def _apply(ticket: Ticket, at: datetime, change: services.Change | None = None) -> None:
    try:
        services.apply(ticket, now=at, change=change)
    except DatabaseError:
        raise  # the transaction is broken: the action fails as a whole
    except Exception:
        # A broken calendar must not stop the change itself (a customer's mail, an
        # agent's answer); the due times stay as they were until the next event.
        logger.exception("due times of ticket %s not recomputed", ticket.pk)


def on_change(event: events.DomainEvent, ticket: Ticket) -> None:
    _apply(ticket, event.occurred_at)


for _event_type in (
    events.TicketCreated,
    events.TicketStateChanged,
    events.TicketMoved,
    events.TicketServiceChanged,
    events.TicketSLAChanged,
):
    subscribe_in_transaction(_event_type)(on_change)


@subscribe_in_transaction(events.ArticleAdded)
def on_article(event: events.ArticleAdded, ticket: Ticket) -> None:
    """A customer article or an agent article for the customer is a contact: it restarts
    the update clock, and the first agent one is the first response; the customer's
    starts a wait for an answer (``update_waits``) that the agent's ends. Any article by the
    owner of a locked ticket restarts the unlock timer (a customer's does not)."""
    if event.is_automatic:
        return
    at: datetime = event.occurred_at

    def change(current: Ticket, now: datetime) -> None:
        if event.sender_type == SenderType.AGENT:
            if event.visible_for_customer:
                services.record_first_response(current, at)
                update_waits.answered(current, at, services.ticket_calendar(current))
                current.update_start = at
            if current.is_locked and event.actor_id == current.owner_id:
                current.unlock_timeout_start = at
        elif event.sender_type == SenderType.CUSTOMER:
            update_waits.contact(current, at)
            current.update_start = at

    _apply(ticket, at, change)


def on_lock(event: events.TicketAttributeChanged, ticket: Ticket) -> None:
    """Locking, or a new owner of a locked ticket, starts the unlock timer afresh."""
    at: datetime = event.occurred_at

    def change(current: Ticket, now: datetime) -> None:
        current.unlock_timeout_start = at if current.is_locked else None

    _apply(ticket, at, change)


subscribe_in_transaction(events.TicketLockChanged)(on_lock)
subscribe_in_transaction(events.TicketOwnerChanged)(on_lock)
