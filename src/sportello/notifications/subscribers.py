"""Which domain events tell which agents (and customers) what."""

from __future__ import annotations

from sportello.accounts.models import User
from sportello.core.events import subscribe
from sportello.mail.events import DeliveryFailed
from sportello.notifications.customer import notify_customer_on
from sportello.notifications.models import NotificationType
from sportello.notifications.services import notify, queue_subscribers, stakeholders, watchers
from sportello.tickets import events
from sportello.tickets.models import Channel, SenderType, Ticket


def _ticket(ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    return (
        Ticket.objects.select_related("queue__system_address", "owner", "responsible", "state")
        .filter(pk=ticket_id)
        .first()
    )


@subscribe(events.TicketCreated)
def on_created(event: events.TicketCreated) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or event.quiet:
        return
    notify(ticket, NotificationType.NEW_TICKET, queue_subscribers(ticket), actor_id=event.actor_id)


@subscribe(events.ArticleAdded)
def on_article(event: events.ArticleAdded) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or event.quiet:
        return
    notify_customer_on(event, ticket)
    if event.sender_type == SenderType.CUSTOMER and ticket.articles.count() > 1:
        notify(ticket, NotificationType.FOLLOW_UP, stakeholders(ticket), actor_id=event.actor_id)
    elif event.article_channel == Channel.INTERNAL:
        notify(ticket, NotificationType.NEW_NOTE, stakeholders(ticket), actor_id=event.actor_id)
    elif event.sender_type == SenderType.AGENT:
        notify(ticket, NotificationType.WATCHED, watchers(ticket), actor_id=event.actor_id)


def _agent(username: str) -> list[User]:
    return list(User.objects.filter(username=username)) if username else []


@subscribe(events.TicketAttributeChanged)
def on_change(event: events.TicketAttributeChanged) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or event.quiet:
        return
    notify_customer_on(event, ticket)
    if isinstance(event, events.TicketOwnerChanged):
        notify(ticket, NotificationType.OWNER_UPDATE, _agent(event.new), actor_id=event.actor_id)
    elif isinstance(event, events.TicketResponsibleChanged):
        notify(
            ticket, NotificationType.RESPONSIBLE_UPDATE, _agent(event.new), actor_id=event.actor_id
        )
    elif isinstance(event, events.TicketMoved):
        notify(ticket, NotificationType.MOVE, queue_subscribers(ticket), actor_id=event.actor_id)
    if not isinstance(event, events.TicketWatchChanged):
        notify(ticket, NotificationType.WATCHED, watchers(ticket), actor_id=event.actor_id)


@subscribe(DeliveryFailed)
def on_delivery_failed(event: DeliveryFailed) -> None:
    ticket = _ticket(event.ticket_id)
    if ticket is None or event.author_id is None:
        return
    notify(ticket, NotificationType.DELIVERY_FAILED, User.objects.filter(pk=event.author_id))
