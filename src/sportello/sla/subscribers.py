"""Due times follow the ticket: each event that moves a clock recomputes them."""

from __future__ import annotations

from datetime import datetime

from sportello.core.events import subscribe
from sportello.sla import services
from sportello.tickets import events
from sportello.tickets.models import SenderType, Ticket


def on_change(event: events.DomainEvent) -> None:
    if event.ticket_id is not None:
        services.recompute(event.ticket_id, now=event.occurred_at)


for _event_type in (
    events.TicketCreated,
    events.TicketStateChanged,
    events.TicketMoved,
    events.TicketServiceChanged,
    events.TicketSLAChanged,
):
    subscribe(_event_type)(on_change)


@subscribe(events.ArticleAdded)
def on_article(event: events.ArticleAdded) -> None:
    """A customer article or an agent article for the customer is a contact: it restarts
    the update clock, and the first agent one is the first response. Any article by the
    owner of a locked ticket restarts the unlock timer (a customer's does not)."""
    if event.ticket_id is None or event.is_automatic:
        return
    at: datetime = event.occurred_at

    def change(ticket: Ticket, now: datetime) -> None:
        if event.sender_type == SenderType.AGENT:
            if event.visible_for_customer:
                services.record_first_response(ticket, at)
                ticket.update_start = at
            if ticket.is_locked and event.actor_id == ticket.owner_id:
                ticket.unlock_timeout_start = at
        elif event.sender_type == SenderType.CUSTOMER:
            ticket.update_start = at

    services.recompute(event.ticket_id, now=at, change=change)


def on_lock(event: events.TicketAttributeChanged) -> None:
    """Locking, or a new owner of a locked ticket, starts the unlock timer afresh."""
    if event.ticket_id is None:
        return
    at: datetime = event.occurred_at

    def change(ticket: Ticket, now: datetime) -> None:
        ticket.unlock_timeout_start = at if ticket.is_locked else None

    services.recompute(event.ticket_id, now=at, change=change)


subscribe(events.TicketLockChanged)(on_lock)
subscribe(events.TicketOwnerChanged)(on_lock)
