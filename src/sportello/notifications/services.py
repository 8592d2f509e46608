"""Telling agents: in-app notifications and their email copies through the outbox.

Nobody is told about a ticket they may not see (the permission module decides), nobody
about their own action, and agents out of office get nothing: the queue's subscribers
hear instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop, override

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.mail import outbox
from sportello.mail.compose import build_message, new_message_id
from sportello.mail.models import OutboxKind
from sportello.notifications.models import Notification, NotificationType
from sportello.tickets.models import Ticket
from sportello.tickets.selectors import ticket_url

TEXTS = {
    NotificationType.NEW_TICKET: gettext_noop(
        "New ticket %(number)s in queue %(queue)s: %(title)s"
    ),
    NotificationType.FOLLOW_UP: gettext_noop(
        "Follow-up from the customer on ticket %(number)s: %(title)s"
    ),
    NotificationType.LOCK_TIMEOUT: gettext_noop(
        "Ticket %(number)s was unlocked after the lock timeout."
    ),
    NotificationType.OWNER_UPDATE: gettext_noop(
        "You are now the owner of ticket %(number)s: %(title)s"
    ),
    NotificationType.RESPONSIBLE_UPDATE: (
        gettext_noop("You are now responsible for ticket %(number)s: %(title)s")
    ),
    NotificationType.NEW_NOTE: gettext_noop("New note on ticket %(number)s: %(title)s"),
    NotificationType.MOVE: gettext_noop(
        "Ticket %(number)s was moved into queue %(queue)s: %(title)s"
    ),
    NotificationType.ESCALATION_WARNING: gettext_noop(
        "Ticket %(number)s will escalate soon: %(title)s"
    ),
    NotificationType.ESCALATION: gettext_noop("Ticket %(number)s has escalated: %(title)s"),
    NotificationType.PENDING_REMINDER: gettext_noop("Reminder for ticket %(number)s: %(title)s"),
    NotificationType.DELIVERY_FAILED: gettext_noop(
        "A message on ticket %(number)s could not be delivered."
    ),
    NotificationType.WATCHED: gettext_noop("Activity on watched ticket %(number)s: %(title)s"),
}


def _text(notification_type: str, ticket: Ticket) -> str:
    params = {"number": ticket.number, "queue": ticket.queue.full_name, "title": ticket.title}
    return gettext(TEXTS[NotificationType(notification_type)]) % params


def queue_subscribers(ticket: Ticket) -> list[User]:
    return list(ticket.queue.subscribers.filter(is_active=True, is_system=False))


def watchers(ticket: Ticket) -> list[User]:
    return [w.agent for w in ticket.watchers.select_related("agent")]


def stakeholders(ticket: Ticket) -> list[User]:
    """Owner (while locked), responsible and watchers; an absent owner's share goes to
    the queue's subscribers, as does an unlocked ticket's."""
    people: list[User] = []
    owner = ticket.owner
    if ticket.is_locked and not owner.is_system and not owner.is_out_of_office():
        people.append(owner)
    else:
        people.extend(queue_subscribers(ticket))
    if ticket.responsible is not None:
        people.append(ticket.responsible)
    return people + watchers(ticket)


def recipients(ticket: Ticket, candidates: Iterable[User], *, exclude_id: int | None) -> list[User]:
    chosen: dict[int, User] = {}
    for agent in candidates:
        if agent.pk in chosen or agent.pk == exclude_id:
            continue
        if agent.is_system or not agent.is_active or agent.is_out_of_office():
            continue
        chosen[agent.pk] = agent
    if not chosen:
        return []
    # Only agents who may read the ticket's queue hear of it: one query for all.
    readers = set(
        permissions.agents_with("ro", ticket.queue)
        .filter(pk__in=list(chosen))
        .values_list("pk", flat=True)
    )
    return [agent for pk, agent in chosen.items() if pk in readers]


def notify(
    ticket: Ticket,
    notification_type: str,
    candidates: Iterable[User],
    *,
    actor_id: int | None = None,
) -> list[Notification]:
    sent: list[Notification] = []
    chosen = recipients(ticket, candidates, exclude_id=actor_id)
    if not chosen:
        return sent  # no empty transaction (on SQLite it would take the write lock)
    with transaction.atomic():
        for agent in chosen:
            with override(agent.language or settings.LANGUAGE_CODE):
                text = _text(notification_type, ticket)
                if agent.wants(notification_type, "app"):
                    sent.append(
                        Notification.objects.create(
                            agent=agent, ticket=ticket, type=notification_type, text=text
                        )
                    )
                if agent.wants(notification_type, "email") and agent.email:
                    _email(agent, ticket, text)
    return sent


def _email(agent: User, ticket: Ticket, text: str) -> None:
    address = ticket.queue.system_address
    if address is None:
        return
    url = settings.SPORTELLO_BASE_URL.rstrip("/") + ticket_url(ticket)
    message_id = new_message_id()
    raw = build_message(
        sender=(address.display_name, address.email),
        to=[agent.email],
        subject=f"[{settings.SPORTELLO_TICKET_HOOK}{ticket.number}] {text}",
        body=f"{text}\n\n{url}\n",
        message_id=message_id,
        headers={"Auto-Submitted": "auto-generated"},
    )
    outbox.enqueue(
        kind=OutboxKind.NOTIFICATION,
        raw=raw,
        envelope_from=address.email,
        recipients=[agent.email],
        message_id=message_id,
        ticket=ticket,
    )


def mark_read(agent: User, ids: Iterable[int] | None = None) -> int:
    """Mark the agent's notifications read (all unread ones when ``ids`` is None)."""
    from django.utils import timezone

    unread = Notification.objects.filter(agent=agent, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def unread_count(agent: User) -> int:
    return Notification.objects.filter(agent=agent, read_at__isnull=True).count()
