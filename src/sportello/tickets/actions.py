"""Every change to a ticket goes through one of these functions.

Each one checks permission and preconditions (raising a translated DomainError), runs in
one transaction with the ticket row locked, writes one history row per change, updates
``changed`` and publishes a domain event after commit. Setting an attribute to the value
it already has changes nothing: no history row, no event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput
from sportello.core.events import publish
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets import events
from sportello.tickets.articles import ArticleInput, article_history_type, store_article
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    TITLE_MAX_LENGTH,
    Article,
    LinkType,
    Lock,
    Priority,
    State,
    StateType,
    Ticket,
    TicketLink,
    TicketType,
    TicketWatch,
)
from sportello.tickets.numbers import next_ticket_number
from sportello.tickets.selectors import default_priority, default_state, default_ticket_type

__all__ = [
    "ArticleInput",
    "add_article",
    "create_ticket",
    "link",
    "lock",
    "move",
    "set_customer",
    "set_owner",
    "set_pending_time",
    "set_priority",
    "set_responsible",
    "set_state",
    "set_title",
    "set_type",
    "unlock",
    "unwatch",
    "watch",
]


def _fit_title(title: str) -> str:
    title = " ".join(title.split())
    return title[: TITLE_MAX_LENGTH - 1] + "…" if len(title) > TITLE_MAX_LENGTH else title


def _locked_ticket(ticket: Ticket) -> Ticket:
    """The current row, locked until the transaction ends (SQLite: the IMMEDIATE
    transaction already holds the write lock)."""
    # Queue, state and the agents come along (permission checks, preconditions and the
    # history's old values read them); only the ticket row is locked.
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "state", "owner", "responsible")
        .get(pk=ticket.pk)
    )


def _touch(ticket: Ticket, actor: Actor, *fields: str) -> None:
    ticket.changed = timezone.now()
    ticket.changed_by = actor.user
    ticket.save(update_fields=[*fields, "changed", "changed_by"])


def _publish(
    event_class: type[events.TicketAttributeChanged],
    ticket: Ticket,
    actor: Actor,
    attribute: str,
    old: str,
    new: str,
) -> None:
    publish(
        event_class(
            ticket_id=ticket.pk,
            actor_id=actor.user.pk,
            channel=actor.channel,
            attribute=attribute,
            old=old,
            new=new,
        )
    )


def _change(
    ticket: Ticket,
    *,
    actor: Actor,
    permission: str,
    attribute: str,
    value: Any,
    show: Callable[[Any], str],
    history_type: HistoryType,
    event_class: type[events.TicketAttributeChanged],
    check: Callable[[Ticket], None] | None = None,
    comment: str = "",
) -> Ticket:
    """The shared body of the single-attribute actions."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, permission, current.queue)
        if check is not None:
            check(current)
        old_value = getattr(current, attribute)
        if old_value == value:
            return current
        old, new = show(old_value), show(value)
        setattr(current, attribute, value)
        _touch(current, actor, attribute)
        record(current, history_type, actor=actor, old=old, new=new, comment=comment)
        _publish(event_class, current, actor, attribute, old, new)
    return current


def _name(obj: Any) -> str:
    return "" if obj is None else str(getattr(obj, "name", obj))


def _username(user: User | None) -> str:
    return "" if user is None else user.username


def _timestamp(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="minutes")


def _require_valid(obj: Any, message: Any) -> None:
    if not getattr(obj, "valid", True) or not getattr(obj, "is_active", True):
        raise InvalidInput(message, name=str(obj))


def create_ticket(
    *,
    title: str,
    queue: Queue,
    actor: Actor,
    state: State | None = None,
    priority: Priority | None = None,
    type: TicketType | None = None,
    owner: User | None = None,
    responsible: User | None = None,
    customer_user_id: str = "",
    customer_company_id: str = "",
    pending_until: datetime | None = None,
    lock: bool = False,
    article: ArticleInput | None = None,
    quiet: bool = False,
) -> Ticket:
    """Create a ticket (and its first article): one NewTicket row, one row for the article."""
    permissions.require(actor.user, "create", queue)
    _require_valid(queue, _("Queue %(name)s is not valid."))
    state = state or default_state()
    if state.type in (StateType.MERGED, StateType.REMOVED):
        raise InvalidInput(_("A new ticket cannot be in state %(name)s."), name=str(state))
    if state.is_pending and pending_until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    owner = owner or actor.user
    _require_valid(owner, _("Agent %(name)s is not active."))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_ticket_number(now),
            title=_fit_title(title),
            queue=queue,
            state=state,
            priority=priority or default_priority(),
            type=type or default_ticket_type(),
            lock=Lock.LOCK if lock else Lock.UNLOCK,
            owner=owner,
            responsible=responsible,
            customer_user_id=customer_user_id[:250],
            customer_company_id=customer_company_id[:150],
            pending_until=pending_until if state.is_pending else None,
            created=now,
            created_by=actor.user,
            changed=now,
            changed_by=actor.user,
        )
        record(
            ticket,
            HistoryType.NEW_TICKET,
            actor=actor,
            new=ticket.number,
            comment=f"{queue.full_name} / {state.name} / {ticket.priority.name}",
        )
        publish(
            events.TicketCreated(
                ticket_id=ticket.pk,
                actor_id=actor.user.pk,
                channel=actor.channel,
                queue_id=queue.pk,
                quiet=quiet,
            )
        )
        if article is not None:
            _add_article(ticket, article, actor=actor, number=1, quiet=quiet)
    return ticket


def _add_article(
    ticket: Ticket, data: ArticleInput, *, actor: Actor, number: int, quiet: bool = False
) -> Article:
    article = store_article(ticket, data, number=number, created_by=actor.user)
    record(
        ticket,
        data.history_type or article_history_type(data, is_first=number == 1),
        actor=actor,
        article=article,
        new=article.subject[:200],
        comment=data.history_comment,
    )
    publish(
        events.ArticleAdded(
            ticket_id=ticket.pk,
            actor_id=actor.user.pk,
            channel=actor.channel,
            article_id=article.pk,
            article_channel=article.channel,
            sender_type=article.sender_type,
            visible_for_customer=article.visible_for_customer,
            is_automatic=article.is_automatic,
            article_number=number,
            quiet=quiet,
        )
    )
    return article


def add_article(
    ticket: Ticket, data: ArticleInput, *, actor: Actor, quiet: bool = False
) -> Article:
    """Append an article (mail, note, phone call, web request) as the next number."""
    permission = "note" if data.sender_type == "agent" else "ro"
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, permission, current.queue)
        if current.state.type == StateType.MERGED:
            raise Conflict(
                _("Ticket %(number)s was merged; add to its target instead."), number=current.number
            )
        last = current.articles.aggregate(last=Max("number"))["last"] or 0
        article = _add_article(current, data, actor=actor, number=last + 1, quiet=quiet)
        _touch(current, actor)
    return article


def move(ticket: Ticket, queue: Queue, *, actor: Actor, note: str = "") -> Ticket:
    def check(current: Ticket) -> None:
        _require_valid(queue, _("Queue %(name)s is not valid."))
        permissions.require(actor.user, "move_into", queue)

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="queue",
        value=queue,
        show=lambda q: q.full_name,
        history_type=HistoryType.MOVE,
        event_class=events.TicketMoved,
        check=check,
        comment=note,
    )


def set_state(
    ticket: Ticket, state: State, *, actor: Actor, pending_until: datetime | None = None
) -> Ticket:
    """Change the state; a pending state needs ``pending_until`` (recorded as its own
    SetPendingTime row). Merged is reached only by merging."""
    if state.type == StateType.MERGED:
        raise InvalidInput(_("Use merge to put a ticket into state %(name)s."), name=str(state))
    _require_valid(state, _("State %(name)s is not valid."))
    if state.is_pending and pending_until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    with transaction.atomic():
        current = _change(
            ticket,
            actor=actor,
            permission="rw",
            attribute="state",
            value=state,
            show=_name,
            history_type=HistoryType.STATE_UPDATE,
            event_class=events.TicketStateChanged,
        )
        current = set_pending_time(
            current, pending_until if state.is_pending else None, actor=actor
        )
    return current


def set_pending_time(ticket: Ticket, until: datetime | None, *, actor: Actor) -> Ticket:
    def check(current: Ticket) -> None:
        if until is not None and not current.state.is_pending:
            raise InvalidInput(_("Only a pending ticket has a pending time."))

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="pending_until",
        value=until,
        show=_timestamp,
        history_type=HistoryType.SET_PENDING_TIME,
        event_class=events.TicketPendingTimeChanged,
        check=check,
    )


def set_priority(ticket: Ticket, priority: Priority, *, actor: Actor) -> Ticket:
    _require_valid(priority, _("Priority %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="priority",
        attribute="priority",
        value=priority,
        show=_name,
        history_type=HistoryType.PRIORITY_UPDATE,
        event_class=events.TicketPriorityChanged,
    )


def set_type(ticket: Ticket, ticket_type: TicketType, *, actor: Actor) -> Ticket:
    _require_valid(ticket_type, _("Ticket type %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="type",
        value=ticket_type,
        show=_name,
        history_type=HistoryType.TYPE_UPDATE,
        event_class=events.TicketTypeChanged,
    )


def set_title(ticket: Ticket, title: str, *, actor: Actor) -> Ticket:
    title = _fit_title(title)
    if not title:
        raise InvalidInput(_("The title must not be empty."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="title",
        value=title,
        show=str,
        history_type=HistoryType.TITLE_UPDATE,
        event_class=events.TicketTitleChanged,
    )


def lock(ticket: Ticket, *, actor: Actor) -> Ticket:
    """Lock to the acting agent, who becomes owner (two rows: Lock, OwnerUpdate)."""

    def check(current: Ticket) -> None:
        if current.is_locked and current.owner_id != actor.user.pk:
            raise Conflict(
                _("Ticket %(number)s is locked by %(owner)s."),
                number=current.number,
                owner=current.owner.display_name,
            )

    with transaction.atomic():
        current = _change(
            ticket,
            actor=actor,
            permission="owner",
            attribute="lock",
            value=Lock.LOCK,
            show=str,
            history_type=HistoryType.LOCK,
            event_class=events.TicketLockChanged,
            check=check,
        )
        current = _set_owner(current, actor.user, actor=actor)
    return current


def unlock(ticket: Ticket, *, actor: Actor) -> Ticket:
    """Release the lock; the owner stays. Only the owner (or rw holders) may unlock."""

    def check(current: Ticket) -> None:
        if (
            current.is_locked
            and current.owner_id != actor.user.pk
            and not permissions.may(actor.user, "rw", current.queue)
        ):
            raise Conflict(
                _("Ticket %(number)s is locked by %(owner)s."),
                number=current.number,
                owner=current.owner.display_name,
            )

    return _change(
        ticket,
        actor=actor,
        permission="owner",
        attribute="lock",
        value=Lock.UNLOCK,
        show=str,
        history_type=HistoryType.UNLOCK,
        event_class=events.TicketLockChanged,
        check=check,
    )


def _set_owner(ticket: Ticket, owner: User, *, actor: Actor) -> Ticket:
    _require_valid(owner, _("Agent %(name)s is not active."))
    return _change(
        ticket,
        actor=actor,
        permission="owner",
        attribute="owner",
        value=owner,
        show=_username,
        history_type=HistoryType.OWNER_UPDATE,
        event_class=events.TicketOwnerChanged,
    )


def set_owner(ticket: Ticket, owner: User, *, actor: Actor, lock: bool = True) -> Ticket:
    """Give the ticket to ``owner``; as in OTRS it is then locked to the new owner."""
    if owner.is_system:
        raise InvalidInput(_("The system user cannot own tickets."))
    with transaction.atomic():
        current = _set_owner(ticket, owner, actor=actor)
        if lock:
            current = _change(
                current,
                actor=actor,
                permission="owner",
                attribute="lock",
                value=Lock.LOCK,
                show=str,
                history_type=HistoryType.LOCK,
                event_class=events.TicketLockChanged,
            )
    return current


def set_responsible(ticket: Ticket, responsible: User | None, *, actor: Actor) -> Ticket:
    if responsible is not None:
        _require_valid(responsible, _("Agent %(name)s is not active."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="responsible",
        value=responsible,
        show=_username,
        history_type=HistoryType.RESPONSIBLE_UPDATE,
        event_class=events.TicketResponsibleChanged,
    )


def set_customer(
    ticket: Ticket, *, customer_user_id: str, customer_company_id: str, actor: Actor
) -> Ticket:
    """Change customer user and company together: one CustomerUpdate row."""
    new = (customer_user_id.strip()[:250], customer_company_id.strip()[:150])
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        old = (current.customer_user_id, current.customer_company_id)
        if old == new:
            return current
        current.customer_user_id, current.customer_company_id = new
        _touch(current, actor, "customer_user_id", "customer_company_id")
        shown_old, shown_new = " / ".join(filter(None, old)), " / ".join(filter(None, new))
        record(current, HistoryType.CUSTOMER_UPDATE, actor=actor, old=shown_old, new=shown_new)
        _publish(events.TicketCustomerChanged, current, actor, "customer", shown_old, shown_new)
    return current


def link(
    source: Ticket, target: Ticket, *, actor: Actor, type: str = LinkType.NORMAL
) -> TicketLink:
    """Link two tickets (parent/child: ``source`` is the parent); one Link row on each."""
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be linked to itself."))
    if type not in LinkType.values:
        raise InvalidInput(_("Unknown link type: %(name)s"), name=type)
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        for ticket in locked.values():
            permissions.require(actor.user, "rw", ticket.queue)
        existing = TicketLink.objects.filter(source=source, target=target, type=type).first()
        if existing is not None:
            return existing
        created = TicketLink.objects.create(source=source, target=target, type=type)
        for this, other in ((source, target), (target, source)):
            current = locked[this.pk]
            _touch(current, actor)
            record(current, HistoryType.LINK, actor=actor, new=other.number, comment=type)
            _publish(events.TicketLinked, current, actor, "link", "", other.number)
    return created


def watch(ticket: Ticket, *, actor: Actor, agent: User | None = None) -> bool:
    """Add ``agent`` (default: the actor) to the watchers; False when already watching."""
    agent = agent or actor.user
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(agent, "ro", current.queue)
        _, created = TicketWatch.objects.get_or_create(ticket=current, agent=agent)
        if created:
            record(current, HistoryType.SUBSCRIBE, actor=actor, new=agent.username)
            _publish(events.TicketWatchChanged, current, actor, "watch", "", agent.username)
    return created


def unwatch(ticket: Ticket, *, actor: Actor, agent: User | None = None) -> bool:
    agent = agent or actor.user
    with transaction.atomic():
        current = _locked_ticket(ticket)
        deleted, _ = TicketWatch.objects.filter(ticket=current, agent=agent).delete()
        if deleted:
            record(current, HistoryType.UNSUBSCRIBE, actor=actor, old=agent.username)
            _publish(events.TicketWatchChanged, current, actor, "watch", agent.username, "")
    return bool(deleted)


def set_service(ticket: Ticket, service: Service | None, *, actor: Actor) -> Ticket:
    """Set the ticket's service (its SLA applies unless the ticket has its own)."""
    if service is not None:
        _require_valid(service, _("Service %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="service",
        value=service,
        show=lambda s: "" if s is None else s.full_name,
        history_type=HistoryType.SERVICE_UPDATE,
        event_class=events.TicketServiceChanged,
    )


def set_sla(ticket: Ticket, sla: SLA | None, *, actor: Actor) -> Ticket:
    """Set the ticket's own SLA (None: the service's, else the queue's default)."""
    if sla is not None:
        _require_valid(sla, _("SLA %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="sla",
        value=sla,
        show=_name,
        history_type=HistoryType.SLA_UPDATE,
        event_class=events.TicketSLAChanged,
    )


def auto_unlock(ticket: Ticket, *, actor: Actor, comment: str = "") -> Ticket:
    """Release a lock that ran out (the owner stays); for the unlock job."""
    return _change(
        ticket,
        actor=actor,
        permission="owner",
        attribute="lock",
        value=Lock.UNLOCK,
        show=str,
        history_type=HistoryType.UNLOCK,
        event_class=events.TicketLockChanged,
        comment=comment,
    )


def record_time_event(
    ticket: Ticket, type: HistoryType, *, actor: Actor, new: str = "", comment: str = ""
) -> None:
    """A history row for something time brought about (escalation, reminder) that
    changes no attribute of the ticket."""
    record(ticket, type, actor=actor, new=new, comment=comment)
