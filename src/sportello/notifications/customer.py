"""Customer notifications from the seeds: received, taken in charge, more information
needed, closed. Each is switched on per queue by assigning a text; sent at most once per
ticket and type, in the customer's language where known."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import override

from sportello.accounts import selectors as accounts_selectors
from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.core.events import DomainEvent
from sportello.mail.compose import answer_subject, render_text
from sportello.mail.context import customer_address, customer_language, template_context
from sportello.mail.models import OutboxKind
from sportello.mail.system_mail import send_system_mail
from sportello.notifications import selectors
from sportello.notifications.models import CustomerNotification, CustomerNotificationType
from sportello.tickets import events
from sportello.tickets import selectors as tickets_selectors
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Channel, SenderType, StateType, Ticket

TicketLoader = Callable[[], Ticket | None]


def _type_for(event: DomainEvent, load: TicketLoader) -> str | None:
    """The notification the event calls for, if any (reads no row for most events)."""
    if isinstance(event, events.ArticleAdded):
        if event.article_channel != Channel.WEB or event.sender_type != SenderType.CUSTOMER:
            return None
        ticket = load()
        first_web_request = (
            ticket is not None
            and not ticket.articles.filter(number__lt=2).exclude(pk=event.article_id).exists()
        )
        return CustomerNotificationType.RECEIPT if first_web_request else None
    if isinstance(event, events.TicketLockChanged) and event.new == "lock":
        return CustomerNotificationType.TAKEN_IN_CHARGE
    if (
        isinstance(event, events.TicketOwnerChanged)
        and event.new != accounts_selectors.system_user().username
    ):
        return CustomerNotificationType.TAKEN_IN_CHARGE
    if isinstance(event, events.TicketStateChanged):
        try:
            state = tickets_selectors.state_by_name(event.new)
        except InvalidInput:
            return None
        if state.type == StateType.PENDING_REMINDER:
            return CustomerNotificationType.PENDING_INFO
        if state.type == StateType.CLOSED and state.name != "closed spam":
            return CustomerNotificationType.CLOSED
    return None


def _agent_of(event: DomainEvent, ticket: Ticket) -> User:
    """The agent the event is about (who took the ticket then), not a later owner."""
    agent = None
    if isinstance(event, events.TicketOwnerChanged):
        agent = User.objects.filter(username=event.new).first()
    elif isinstance(event, events.TicketLockChanged) and event.actor_id:
        agent = User.objects.filter(pk=event.actor_id).first()
    return agent or ticket.owner


def _already_sent(ticket: Ticket, notification_type: str) -> bool:
    return ticket.history.filter(
        type=HistoryType.SEND_CUSTOMER_NOTIFICATION, comment=notification_type
    ).exists()


def notify_customer_on(event: DomainEvent, load: TicketLoader) -> None:
    """``load`` returns the event's ticket; called only when a queue may want a mail."""
    notification_type = _type_for(event, load)
    if notification_type is None or not selectors.offers_customer_notification_type(
        notification_type
    ):
        return
    ticket = load()
    if ticket is None or not selectors.offers_customer_notification(
        ticket.queue_id, notification_type
    ):
        return  # switched off for this queue
    recipient = customer_address(ticket)
    if not recipient:
        return
    language = customer_language(ticket)
    texts = {
        n.language: n
        for n in CustomerNotification.objects.filter(
            type=notification_type, valid=True, queues=ticket.queue
        )
    }
    text = texts.get(language) or texts.get("")
    if text is None:
        return  # switched off for this queue
    # Taken in charge and received are said once; closing can happen again after a reopen.
    if notification_type != CustomerNotificationType.CLOSED and _already_sent(
        ticket, notification_type
    ):
        return
    context = template_context(ticket, agent=_agent_of(event, ticket))
    with override(text.language or language):
        subject = answer_subject(ticket.number, render_text(text.subject, context), prefix="")
        body = render_text(text.text, context)
    # The history row's comment names the type: that is how "only once" is checked.
    send_system_mail(
        ticket,
        recipient=recipient,
        subject=subject,
        body=body,
        history_type=HistoryType.SEND_CUSTOMER_NOTIFICATION,
        kind=OutboxKind.NOTIFICATION,
        history_comment=notification_type,
    )
