"""Which domain events tell which agents (and customers) what.

Every event of every ticket comes through here, in the request or the mail delivery that
caused it, so the common case must be cheap: whether anybody could be told is decided
from cached configuration (queues with subscribers, customer notifications switched on)
and the ticket is read once, only when somebody may be.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from sportello.accounts import selectors as accounts_selectors
from sportello.accounts.models import User
from sportello.core.events import subscribe
from sportello.core.statements import INTEGER, Statement
from sportello.mail.events import DeliveryFailed
from sportello.notifications.customer import notify_customer_on
from sportello.notifications.models import NotificationType
from sportello.notifications.services import notify, queue_subscribers, stakeholders, watchers
from sportello.tickets import events
from sportello.tickets.models import Channel, SenderType, Ticket, TicketWatch

# Only the queue joined: wide joins cost more than the rare extra read of an owner or
# responsible when somebody is to be told. Compiled once (core.statements): every event
# of every ticket may ask.
_TICKET = Statement(
    lambda pk: (
        Ticket.objects.select_related("queue")
        .annotate(has_watchers=Exists(TicketWatch.objects.filter(ticket=OuterRef("pk"))))
        .filter(pk=pk)
    ),
    INTEGER,
)


class LazyTicket:
    """The event's ticket, read at most once, with what the subscribers look at."""

    def __init__(self, ticket_id: int | None) -> None:
        self.ticket_id = ticket_id
        self._ticket: Ticket | None = None
        self._loaded = False

    def __call__(self) -> Ticket | None:
        if not self._loaded and self.ticket_id is not None:
            self._ticket = _TICKET.first(self.ticket_id)
            self._loaded = True
        return self._ticket


def _watchers(ticket: Ticket) -> list[User]:
    return watchers(ticket) if getattr(ticket, "has_watchers", True) else []


def _stakeholders(ticket: Ticket) -> list[User]:
    """``services.stakeholders`` without the queries that cannot find anybody."""
    people: list[User] = []
    owner = ticket.owner if ticket.is_locked else None  # read only when it counts
    if owner is not None and not owner.is_system and not owner.is_out_of_office():
        people.append(owner)
    elif accounts_selectors.may_have_subscribers(ticket.queue_id):
        people.extend(queue_subscribers(ticket))
    if ticket.responsible is not None:
        people.append(ticket.responsible)
    return people + _watchers(ticket)


@subscribe(events.TicketCreated)
def on_created(event: events.TicketCreated) -> None:
    if event.quiet or not accounts_selectors.may_have_subscribers(event.queue_id):
        return  # only the queue's subscribers hear of a new ticket
    ticket = LazyTicket(event.ticket_id)()
    if ticket is None:
        return
    notify(ticket, NotificationType.NEW_TICKET, queue_subscribers(ticket), actor_id=event.actor_id)


def _is_follow_up(event: events.ArticleAdded, ticket: Ticket) -> bool:
    if event.article_number:
        return event.article_number > 1
    return ticket.articles.filter(number__gt=1).exists()  # an event from before the number


@subscribe(events.ArticleAdded)
def on_article(event: events.ArticleAdded) -> None:
    if event.quiet or event.ticket_id is None:
        return
    if (
        event.article_number == 1
        and event.sender_type == SenderType.CUSTOMER
        and event.article_channel != Channel.WEB
    ):
        return  # a customer's first article: the new ticket is news enough (on_created)
    load = LazyTicket(event.ticket_id)
    notify_customer_on(event, load)
    ticket = load()
    if ticket is None:
        return
    if event.sender_type == SenderType.CUSTOMER and _is_follow_up(event, ticket):
        notify(ticket, NotificationType.FOLLOW_UP, _stakeholders(ticket), actor_id=event.actor_id)
    elif event.article_channel == Channel.INTERNAL:
        notify(ticket, NotificationType.NEW_NOTE, _stakeholders(ticket), actor_id=event.actor_id)
    elif event.sender_type == SenderType.AGENT:
        notify(ticket, NotificationType.WATCHED, _watchers(ticket), actor_id=event.actor_id)


def _agent(username: str) -> list[User]:
    return list(User.objects.filter(username=username)) if username else []


def _changed_to(event: events.TicketAttributeChanged, load: LazyTicket) -> list[User]:
    """The new owner or responsible: usually still on the ticket, read with it."""
    ticket = load()
    current = None
    if ticket is not None:
        current = (
            ticket.owner if isinstance(event, events.TicketOwnerChanged) else ticket.responsible
        )
    if current is not None and current.username == event.new:
        return [current]
    return _agent(event.new)


@subscribe(events.TicketAttributeChanged)
def on_change(event: events.TicketAttributeChanged) -> None:
    if event.quiet or event.ticket_id is None:
        return
    load = LazyTicket(event.ticket_id)
    notify_customer_on(event, load)
    told: list[tuple[str, list[User]]] = []
    if isinstance(event, events.TicketOwnerChanged | events.TicketResponsibleChanged):
        agents = [a for a in _changed_to(event, load) if a.pk != event.actor_id]
        if isinstance(event, events.TicketOwnerChanged):
            told.append((NotificationType.OWNER_UPDATE, agents))
        else:
            told.append((NotificationType.RESPONSIBLE_UPDATE, agents))
    elif isinstance(event, events.TicketMoved):
        ticket = load()
        if ticket is not None and accounts_selectors.may_have_subscribers(ticket.queue_id):
            told.append((NotificationType.MOVE, queue_subscribers(ticket)))
    for notification_type, agents in told:
        ticket = load() if agents else None
        if ticket is not None:
            notify(ticket, notification_type, agents, actor_id=event.actor_id)
    if not isinstance(event, events.TicketWatchChanged):
        ticket = load()
        if ticket is not None:
            notify(ticket, NotificationType.WATCHED, _watchers(ticket), actor_id=event.actor_id)


@subscribe(DeliveryFailed)
def on_delivery_failed(event: DeliveryFailed) -> None:
    ticket = LazyTicket(event.ticket_id)()
    if ticket is None or event.author_id is None:
        return
    notify(ticket, NotificationType.DELIVERY_FAILED, User.objects.filter(pk=event.author_id))


__all__ = ["LazyTicket", "on_article", "on_change", "on_created", "stakeholders"]
