"""Every change to a ticket goes through one of these functions.

Each one checks permission and preconditions (raising a translated DomainError), runs in
one transaction with the ticket row locked, writes one history row per change, updates
``changed`` and publishes a domain event after commit. Setting an attribute to the value
it already has changes nothing: no history row, no event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.core.events import publish, saved_after
from sportello.core.statements import INTEGER, Statement
from sportello.core.writes import Insert, Update
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets import events
from sportello.tickets.articles import (
    ArticleInput,
    AttachmentInput,
    article_history_type,
    store_article,
)
from sportello.tickets.history import entry, record, record_all
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    PENDING_STATE_TYPES,
    TITLE_MAX_LENGTH,
    Article,
    Channel,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldValue,
    History,
    LinkType,
    Lock,
    MasterSlave,
    Priority,
    SenderType,
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


def _locked_query(pk: Any) -> QuerySet[Ticket]:
    # Queue, state and the agents come along (permission checks, preconditions and the
    # history's old values read them); only the ticket row is locked.
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue", "state", "owner", "responsible")
        .filter(pk=pk)
    )


# Every action starts with this read: compiled once (core.statements).
_LOCKED = Statement(_locked_query, INTEGER)
# add_article's: the number of the ticket's last article in the same statement.
_LOCKED_WITH_LAST_ARTICLE = Statement(
    lambda pk: _locked_query(pk).annotate(
        last_article=Subquery(
            Article.objects.filter(ticket=OuterRef("pk")).order_by("-number").values("number")[:1]
        )
    ),
    INTEGER,
)


# Every new ticket and every action's change time: compiled once (core.writes).
_INSERT = Insert(Ticket)
_UPDATE = Update(Ticket)


def _locked_ticket(ticket: Ticket, *, last_article: bool = False) -> Ticket:
    """The current row, locked until the transaction ends (SQLite: the IMMEDIATE
    transaction already holds the write lock). ``last_article``: with the attribute
    ``last_article``, the number of its newest article (None without one)."""
    statement = _LOCKED_WITH_LAST_ARTICLE if last_article else _LOCKED
    current = statement.first(ticket.pk)
    if current is None:
        raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
    return current


def _touch(ticket: Ticket, actor: Actor, *fields: str) -> None:
    ticket.changed = timezone.now()
    ticket.changed_by = actor.user
    _UPDATE.save(ticket, [*fields, "changed", "changed_by"])


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
        ),
        subject=ticket,
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
    dynamic_fields: Mapping[DynamicField, Any] | None = None,
) -> Ticket:
    """Create a ticket (and its first article): one NewTicket row, one row for the article,
    one DynamicFieldUpdate row per ticket dynamic field given a value."""
    permissions.require(actor.user, "create", queue)
    _require_valid(queue, _("Queue %(name)s is not valid."))
    state = state or default_state()
    if state.type in (StateType.MERGED, StateType.REMOVED):
        raise InvalidInput(_("A new ticket cannot be in state %(name)s."), name=str(state))
    if state.is_pending and pending_until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    if owner is not None and owner.pk != actor.user.pk:
        _require_may_hold(owner, "owner", queue)
    if responsible is not None:
        _require_may_hold(responsible, "rw", queue)
    owner = owner or actor.user
    _require_valid(owner, _("Agent %(name)s is not active."))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
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
        _INSERT.save([ticket])
        # The ticket's history row and its first article's are written in one insert.
        history = [
            entry(
                ticket,
                HistoryType.NEW_TICKET,
                actor=actor,
                new=ticket.number,
                comment=f"{queue.full_name} / {state.name} / {ticket.priority.name}",
            )
        ]
        publish(
            events.TicketCreated(
                ticket_id=ticket.pk,
                actor_id=actor.user.pk,
                channel=actor.channel,
                queue_id=queue.pk,
                quiet=quiet,
            ),
            subject=ticket,
        )
        if article is not None:
            _add_article(ticket, article, actor=actor, number=1, quiet=quiet, history=history)
        record_all(history)
        if dynamic_fields:
            _store_dynamic_fields(ticket, dynamic_fields, actor=actor, article=None)
    return ticket


def _add_article(
    ticket: Ticket,
    data: ArticleInput,
    *,
    actor: Actor,
    number: int,
    quiet: bool = False,
    history: list[History] | None = None,
) -> Article:
    """Store the article and its history row (appended to ``history`` when given, for
    the caller to write with its own rows; else written now)."""
    article = store_article(ticket, data, number=number, created_by=actor.user)
    row = entry(
        ticket,
        data.history_type or article_history_type(data, is_first=number == 1),
        actor=actor,
        article=article,
        new=article.subject[:200],
        comment=data.history_comment,
    )
    if history is None:
        row.save(force_insert=True)
    else:
        history.append(row)
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
        ),
        subject=ticket,
    )
    if data.dynamic_fields:
        _store_dynamic_fields(ticket, data.dynamic_fields, actor=actor, article=article)
    return article


def add_article(
    ticket: Ticket, data: ArticleInput, *, actor: Actor, quiet: bool = False
) -> Article:
    """Append an article (mail, note, phone call, web request) as the next number."""
    permission = "note" if data.sender_type == "agent" else "ro"
    with transaction.atomic():
        current = _locked_ticket(ticket, last_article=True)
        permissions.require(actor.user, permission, current.queue)
        if current.state.type == StateType.MERGED:
            raise Conflict(
                _("Ticket %(number)s was merged; add to its target instead."), number=current.number
            )
        last = getattr(current, "last_article", None) or 0
        # The due times the article moves are written with the change time: one UPDATE.
        with saved_after(current) as columns:
            article = _add_article(current, data, actor=actor, number=last + 1, quiet=quiet)
        _touch(current, actor, *sorted(columns))
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


def unlock(ticket: Ticket, *, actor: Actor, comment: str = "") -> Ticket:
    """Release the lock; the owner stays. Only the owner (or rw holders) may unlock.
    ``comment`` goes into the history row (the unlock job: "lock timeout")."""

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
        comment=comment,
    )


def _set_owner(ticket: Ticket, owner: User, *, actor: Actor) -> Ticket:
    _require_valid(owner, _("Agent %(name)s is not active."))

    def check(current: Ticket) -> None:
        _require_may_hold(owner, "owner", current.queue)

    return _change(
        ticket,
        actor=actor,
        permission="owner",
        attribute="owner",
        value=owner,
        show=_username,
        history_type=HistoryType.OWNER_UPDATE,
        event_class=events.TicketOwnerChanged,
        check=check,
    )


def _require_may_hold(agent: User, permission: str, queue: Queue) -> None:
    """Owners need the owner permission on the queue, responsibles rw: an agent who
    cannot work on the queue's tickets cannot be made to hold one."""
    if not permissions.may(agent, permission, queue):
        raise InvalidInput(
            _("%(name)s lacks the “%(permission)s” permission on queue %(queue)s."),
            name=agent.display_name,
            permission=permission,
            queue=queue.full_name,
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

    def check(current: Ticket) -> None:
        if responsible is not None:
            _require_may_hold(responsible, "rw", current.queue)

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="responsible",
        value=responsible,
        show=_username,
        history_type=HistoryType.RESPONSIBLE_UPDATE,
        event_class=events.TicketResponsibleChanged,
        check=check,
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


def record_time_event(
    ticket: Ticket, type: HistoryType, *, actor: Actor, new: str = "", comment: str = ""
) -> None:
    """A history row for something time brought about (escalation, reminder) that
    changes no attribute of the ticket."""
    record(ticket, type, actor=actor, new=new, comment=comment)


# ---------------------------------------------------------------------------------------
# Dialog actions of the agent interface (lock rules, notes, pending, close, merge, split,
# master/slave, dynamic fields). Lock-requiring actions take the lock and make the actor
# owner (seed 003, "Ticket-Sperre"/"Besitzer"); while the ticket is locked to someone
# else they are refused.

__all__ += [
    "close",
    "editing",
    "lock_for_dialog",
    "mark_spam",
    "merge",
    "move_with_note",
    "note",
    "phone_call",
    "set_dynamic_fields",
    "set_free_fields",
    "set_master",
    "set_pending",
    "set_slave",
    "slaves_of",
    "split",
    "undo_and_finish",
    "unlink",
    "unset_master_slave",
]


@contextmanager
def editing(ticket: Ticket, *, actor: Actor, changed: datetime | None) -> Iterator[Ticket]:
    """Run a dialog's actions on the row as the agent last saw it.

    ``changed`` is the ticket's ``changed`` when the dialog was rendered: if someone acted
    in between, the submit is refused (never silently lost) and the agent sees the new
    state. The row stays locked until the block ends, so a concurrent submit waits and
    then meets the new ``changed``."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "ro", current.queue)
        if changed is not None and current.changed != changed:
            raise Conflict(
                _(
                    "Ticket %(number)s was changed by %(agent)s at %(time)s while you were "
                    "working on it. Check the current state and submit again."
                ),
                code="stale",
                number=current.number,
                agent=current.changed_by.display_name,
                time=timezone.localtime(current.changed).strftime("%H:%M:%S"),
            )
        yield current


def _refuse_if_locked_by_other(current: Ticket, actor: Actor) -> None:
    if current.is_locked and current.owner_id != actor.user.pk and not actor.user.is_system:
        raise Conflict(
            _(
                "Ticket %(number)s is locked by %(owner)s: only the owner may do this "
                "until the lock is released."
            ),
            code="locked",
            number=current.number,
            owner=current.owner.display_name,
        )


def _take_lock(ticket: Ticket, actor: Actor) -> Ticket:
    """Lock to the actor (who becomes owner) unless already locked to them."""
    current = _locked_ticket(ticket)
    _refuse_if_locked_by_other(current, actor)
    if current.is_locked or actor.user.is_system:
        return current
    return lock(current, actor=actor)


def lock_for_dialog(ticket: Ticket, *, actor: Actor) -> bool:
    """Opening a lock-requiring dialog takes the lock; True when it did (undo releases it)."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "owner", current.queue)
        _refuse_if_locked_by_other(current, actor)
        if current.is_locked:
            return False
        lock(current, actor=actor)
    return True


def undo_and_finish(ticket: Ticket, *, actor: Actor, took_lock: bool) -> Ticket:
    """Leave a dialog: release the lock the dialog took; the owner stays."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        if took_lock and current.is_locked and current.owner_id == actor.user.pk:
            current = unlock(current, actor=actor)
    return current


def _valid_state(state: State, *types: str) -> None:
    _require_valid(state, _("State %(name)s is not valid."))
    if state.type not in types:
        raise InvalidInput(_("State %(name)s is not allowed here."), name=str(state))


def _check_pending_time(until: datetime | None) -> datetime:
    if until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    if until <= timezone.now():
        raise InvalidInput(_("The pending time must lie in the future."))
    return until


def _new_state(
    current: Ticket, state: State | None, pending_until: datetime | None, actor: Actor
) -> Ticket:
    """Set the state (lock taken first) and apply it to the slaves of a master."""
    if state is None:
        return current
    if state.is_pending:
        _check_pending_time(pending_until)
    current = _take_lock(current, actor)
    current = set_state(current, state, actor=actor, pending_until=pending_until)
    for slave in slaves_of(current):
        if slave.state_id != state.pk or slave.pending_until != current.pending_until:
            set_state(slave, state, actor=actor, pending_until=pending_until)
    return current


def _note_input(
    actor: Actor, body: str, subject: str, *, channel: str = Channel.INTERNAL, **extra: Any
) -> ArticleInput:
    return ArticleInput(
        channel=channel,
        sender_type=extra.pop("sender_type", SenderType.AGENT),
        subject=subject.strip()[:250],
        body=body,
        from_address=extra.pop("from_address", actor.user.display_name),
        **extra,
    )


def note(
    ticket: Ticket,
    *,
    actor: Actor,
    body: str,
    subject: str = "",
    visible_for_customer: bool = False,
    notify: Sequence[User] = (),
    state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
) -> Article:
    """Add a note: internal unless marked visible for the customer, with its article
    dynamic fields; the chosen agents are told after commit. A state change with it needs
    the lock."""
    if not body.strip():
        raise InvalidInput(_("The note is empty."))
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "note", current.queue)
        if state is not None:
            _valid_state(state, *_DIALOG_STATE_TYPES)
            current = _take_lock(current, actor)
        data = _note_input(
            actor, body, subject or str(_("Note")), visible_for_customer=visible_for_customer
        )
        data.dynamic_fields = article_fields or {}
        article = add_article(current, data, actor=actor)
        current = _new_state(current, state, pending_until, actor)
        agents = [a for a in notify if a.pk != actor.user.pk and a.is_active]
        if agents:
            transaction.on_commit(lambda: _notify_agents(current, agents, actor), robust=True)
    return article


_DIALOG_STATE_TYPES = (
    StateType.NEW,
    StateType.OPEN,
    StateType.CLOSED,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
)


def _notify_agents(ticket: Ticket, agents: Sequence[User], actor: Actor) -> None:
    from sportello.notifications.models import NotificationType
    from sportello.notifications.services import notify

    notify(ticket, NotificationType.NEW_NOTE, agents, actor_id=actor.user.pk)


def phone_call(
    ticket: Ticket,
    *,
    actor: Actor,
    inbound: bool,
    body: str,
    subject: str = "",
    state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
) -> Article:
    """Record an outbound (agent → customer) or inbound (customer → agent) phone call;
    the call is part of the customer conversation and takes the lock."""
    if not body.strip():
        raise InvalidInput(_("The phone call needs a text."))
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "note", current.queue)
        if state is not None:
            _valid_state(state, *_DIALOG_STATE_TYPES)
        current = _take_lock(current, actor)
        sender = SenderType.CUSTOMER if inbound else SenderType.AGENT
        default_subject = _("Phone call from customer") if inbound else _("Phone call to customer")
        data = _note_input(
            actor,
            body,
            subject or str(default_subject),
            channel=Channel.PHONE,
            sender_type=sender,
            visible_for_customer=True,
            from_address=current.customer_user_id if inbound else actor.user.display_name,
        )
        data.dynamic_fields = article_fields or {}
        article = add_article(current, data, actor=actor)
        current = _new_state(current, state, pending_until, actor)
    return article


def set_pending(
    ticket: Ticket,
    state: State,
    until: datetime,
    *,
    actor: Actor,
    note_body: str = "",
    note_subject: str = "",
) -> Ticket:
    """Put the ticket in a pending state (reminder, auto close+/-) until a future time."""
    _valid_state(state, *PENDING_STATE_TYPES)
    _check_pending_time(until)
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        permissions.require(actor.user, "rw", current.queue)
        if note_body.strip():
            add_article(
                current, _note_input(actor, note_body, note_subject or str(_("Pending"))),
                actor=actor,
            )  # fmt: skip
        current = _new_state(current, state, until, actor)
    return current


def close(
    ticket: Ticket, state: State, *, actor: Actor, note_body: str, note_subject: str = ""
) -> Ticket:
    """Close successful or unsuccessful with a closing note; a closed ticket is released
    (the owner stays), and the slaves of a master are closed too."""
    _valid_state(state, StateType.CLOSED)
    if not note_body.strip():
        raise InvalidInput(_("A closing note is required."))
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        permissions.require(actor.user, "rw", current.queue)
        add_article(
            current, _note_input(actor, note_body, note_subject or str(_("Close"))), actor=actor
        )
        current = _new_state(current, state, None, actor)
        current = unlock(current, actor=actor)
    return current


def _state_named(name: str) -> State:
    from sportello.tickets.selectors import state_by_name

    return state_by_name(name)


def mark_spam(ticket: Ticket, *, actor: Actor) -> Ticket:
    """Move to the Junk queue, state "closed spam", release the lock."""
    junk = Queue.objects.filter(full_name="Junk").first()
    if junk is None:
        raise InvalidInput(_("There is no Junk queue."))
    spam = _state_named("closed spam")
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        current = move(current, junk, actor=actor, note=str(_("Spam")))
        current = set_state(current, spam, actor=actor)
        current = unlock(current, actor=actor)
    return current


def move_with_note(
    ticket: Ticket, queue: Queue, *, actor: Actor, note_body: str = "", note_subject: str = ""
) -> Ticket:
    """Move to another queue; an agent who is not the owner takes the lock first."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        _refuse_if_locked_by_other(current, actor)
        if current.owner_id != actor.user.pk:
            current = _take_lock(current, actor)
        if note_body.strip():
            add_article(
                current, _note_input(actor, note_body, note_subject or str(_("Moved"))),
                actor=actor,
            )  # fmt: skip
        current = move(current, queue, actor=actor, note=note_subject.strip())
    return current


def unlink(source: Ticket, target: Ticket, *, actor: Actor, type: str | None = None) -> int:
    """Remove the links between two tickets (of ``type``, or all); one Unlink row on each
    per removed link. Returns how many links were removed."""
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        for ticket in locked.values():
            permissions.require(actor.user, "rw", ticket.queue)
        links = TicketLink.objects.filter(
            Q(source=source, target=target) | Q(source=target, target=source)
        )
        if type is not None:
            links = links.filter(type=type)
        removed = list(links)
        for item in removed:
            item.delete()
            for this, other in ((source, target), (target, source)):
                current = locked[this.pk]
                _touch(current, actor)
                record(
                    current, HistoryType.UNLINK, actor=actor, old=other.number, comment=item.type
                )
                _publish(events.TicketLinked, current, actor, "link", other.number, "")
    return len(removed)


def merge(source: Ticket, target: Ticket, *, actor: Actor, note_body: str = "") -> Ticket:
    """Merge ``source`` into ``target``: its articles move to the target (all renumbered in
    chronological order), the source keeps a note pointing to the target and state merged;
    both histories record it. Returns the target."""
    if source.pk == target.pk:
        raise InvalidInput(_("A ticket cannot be merged into itself."))
    merged = State.objects.filter(type=StateType.MERGED, valid=True).order_by("pk").first()
    if merged is None:
        raise InvalidInput(_("There is no valid merged state."))
    with transaction.atomic():
        first, second = sorted([source, target], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in (first, second)}
        src, dst = locked[source.pk], locked[target.pk]
        if not permissions.may(actor.user, "ro", dst.queue):
            raise NotFound(_("No ticket with number %(number)s."), number=dst.number)
        permissions.require(actor.user, "rw", src.queue)
        permissions.require(actor.user, "rw", dst.queue)
        for ticket in (src, dst):
            if ticket.state.type == StateType.MERGED:
                raise Conflict(
                    _("Ticket %(number)s is already merged and cannot take part in a merge."),
                    number=ticket.number,
                )
        src = _take_lock(src, actor)
        _renumber_into(dst, moved=list(src.articles.all()))
        add_article(
            src,
            _note_input(
                actor,
                "\n\n".join(
                    filter(
                        None,
                        [
                            str(_("This ticket was merged into Ticket#%(number)s."))
                            % {"number": dst.number},
                            note_body.strip(),
                        ],
                    )
                ),
                str(_("Merged")),
            ),
            actor=actor,
        )
        old_state = src.state
        src.state, src.merged_into = merged, dst
        _touch(src, actor, "state", "merged_into")
        record(src, HistoryType.MERGED, actor=actor, old=src.number, new=dst.number)
        record(src, HistoryType.STATE_UPDATE, actor=actor, old=old_state.name, new=merged.name)
        _publish(events.TicketMerged, src, actor, "merged_into", src.number, dst.number)
        _publish(events.TicketStateChanged, src, actor, "state", old_state.name, merged.name)
        unlock(src, actor=actor)
        _touch(dst, actor)
        record(dst, HistoryType.MERGED, actor=actor, old=src.number, new=dst.number)
        _publish(events.TicketMerged, dst, actor, "merged_from", src.number, dst.number)
    return dst


def _renumber_into(target: Ticket, *, moved: list[Article]) -> None:
    """Give ``moved`` to ``target`` and number all of its articles by creation time.

    Two passes, because (ticket, number) is unique at every moment."""
    existing = list(target.articles.all())
    everything = sorted([*existing, *moved], key=lambda a: (a.created, a.ticket_id, a.number))
    offset = 1 + max((a.number for a in everything), default=0)
    ids = [a.pk for a in everything]
    Article.objects.filter(pk__in=ids).update(number=F("number") + offset)
    for position, article in enumerate(everything, start=1):
        Article.objects.filter(pk=article.pk).update(ticket=target, number=position)


def split(
    article: Article,
    *,
    actor: Actor,
    title: str,
    queue: Queue,
    link_type: str = LinkType.PARENT_CHILD,
) -> Ticket:
    """A new ticket from a copy of ``article``, linked to the original (the original is the
    parent); both histories record it."""
    original = article.ticket
    if not title.strip():
        raise InvalidInput(_("The title must not be empty."))
    with transaction.atomic():
        current = _locked_ticket(original)
        permissions.require(actor.user, "ro", current.queue)
        if current.state.type == StateType.MERGED:
            raise Conflict(_("Ticket %(number)s was merged."), number=current.number)
        copies = []
        for attachment in article.attachments.all():
            with attachment.file.open("rb") as handle:
                copies.append(
                    AttachmentInput(
                        attachment.filename,
                        attachment.content_type,
                        handle.read(),
                        attachment.content_id,
                        attachment.inline,
                    )
                )
        new = create_ticket(
            title=title,
            queue=queue,
            actor=actor,
            customer_user_id=current.customer_user_id,
            customer_company_id=current.customer_company_id,
            priority=current.priority,
            type=current.type,
            article=ArticleInput(
                channel=article.channel,
                sender_type=article.sender_type,
                visible_for_customer=article.visible_for_customer,
                from_address=article.from_address,
                to_address=article.to_address,
                cc_address=article.cc_address,
                subject=article.subject,
                body=article.body,
                body_html=article.body_html,
                created=article.created,
                attachments=copies,
                history_comment=str(_("Split from Ticket#%(number)s."))
                % {"number": current.number},
            ),
        )
        _touch(current, actor)
        record(current, HistoryType.SPLIT, actor=actor, article=article, new=new.number)
        link(current, new, actor=actor, type=link_type)
    return new


# Master/slave: one MasterSlave row per marked ticket (master empty: the ticket is a master).


def slaves_of(ticket: Ticket) -> list[Ticket]:
    return list(
        Ticket.objects.filter(master_slave__master=ticket)
        .exclude(state__type=StateType.MERGED)
        .order_by("pk")
    )


def _master_slave_label(row: MasterSlave | None) -> str:
    if row is None:
        return ""
    return f"SlaveOf:{row.master.number}" if row.master is not None else "Master"


def _set_master_slave(ticket: Ticket, master: Ticket | None, *, actor: Actor, clear: bool) -> None:
    with transaction.atomic():
        tickets = [ticket] if master is None else sorted([ticket, master], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in tickets}
        current = locked[ticket.pk]
        for item in locked.values():
            permissions.require(actor.user, "rw", item.queue)
        row = MasterSlave.objects.filter(ticket=current).select_related("master").first()
        old = _master_slave_label(row)
        if clear:
            if row is None:
                return
            if row.master_id is None and MasterSlave.objects.filter(master=current).exists():
                raise Conflict(_("This ticket is still the master of other tickets."))
            row.delete()
            new = ""
        elif master is None:
            if row is not None and row.master_id is None:
                return
            if row is not None:
                raise Conflict(_("A slave cannot be a master; unset it first."))
            MasterSlave.objects.create(ticket=current, master=None)
            new = "Master"
        else:
            if master.pk == ticket.pk:
                raise InvalidInput(_("A ticket cannot be its own master."))
            if not MasterSlave.objects.filter(ticket=master, master__isnull=True).exists():
                raise InvalidInput(
                    _("Ticket %(number)s is not a master ticket."), number=master.number
                )
            if MasterSlave.objects.filter(master=current).exists():
                raise Conflict(_("This ticket is the master of other tickets."))
            if row is not None and row.master_id == master.pk:
                return
            MasterSlave.objects.update_or_create(ticket=current, defaults={"master": master})
            new = f"SlaveOf:{master.number}"
        _touch(current, actor)
        record(current, HistoryType.MASTER_SLAVE, actor=actor, old=old, new=new)
        _publish(events.TicketMasterSlaveChanged, current, actor, "master_slave", old, new)


def set_master(ticket: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, None, actor=actor, clear=False)


def set_slave(ticket: Ticket, master: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, master, actor=actor, clear=False)


def unset_master_slave(ticket: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, None, actor=actor, clear=True)


# Dynamic fields


def set_dynamic_fields(
    ticket: Ticket,
    values: Mapping[DynamicField, Any],
    *,
    actor: Actor,
    article: Article | None = None,
) -> int:
    """Store dynamic field values of the ticket (or one of its articles): one
    DynamicFieldUpdate row per changed field. Returns the number of changed fields."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        if article is not None and article.ticket_id != current.pk:
            raise InvalidInput(_("The article belongs to another ticket."))
        return _store_dynamic_fields(current, values, actor=actor, article=article)


def _store_dynamic_fields(
    current: Ticket, values: Mapping[DynamicField, Any], *, actor: Actor, article: Article | None
) -> int:
    """The write of :func:`set_dynamic_fields`, inside the caller's transaction and
    permission check (creating a ticket or adding an article sets fields too)."""
    from sportello.tickets import dynamic_fields as df

    target_kind = DynamicFieldObject.ARTICLE if article is not None else DynamicFieldObject.TICKET
    changed = 0
    obj: Ticket | Article = article if article is not None else current
    rows = df.stored(obj)
    owner_field = "article" if article is not None else "ticket"
    for field, raw in values.items():
        if field.object_type != target_kind or not field.valid:
            raise InvalidInput(_("Field %(name)s cannot be set here."), name=field.name)
        value = df.clean_value(field, raw)
        old_rows = rows.get(field.pk, [])
        old = df.stable(field, df.value_of(field, old_rows))
        new = df.stable(field, value)
        if old == new:
            continue
        DynamicFieldValue.objects.filter(pk__in=[r.pk for r in old_rows]).delete()
        new_rows = df.rows_for(field, value)
        for row in new_rows:
            setattr(row, owner_field, obj)
        DynamicFieldValue.objects.bulk_create(new_rows)
        record(
            current,
            HistoryType.DYNAMIC_FIELD_UPDATE,
            actor=actor,
            article=article,
            old=old,
            new=new,
            comment=field.name,
        )
        _publish(events.TicketDynamicFieldChanged, current, actor, field.name, old, new)
        changed += 1
    if changed:
        _touch(current, actor)
    return changed


def set_free_fields(
    ticket: Ticket,
    values: Mapping[DynamicField, Any],
    *,
    actor: Actor,
    state: State | None = None,
    pending_until: datetime | None = None,
) -> Ticket:
    """The free-fields dialog: dynamic fields and, optionally, a direct state change."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        if state is not None and state.pk != current.state_id:
            _valid_state(state, *_DIALOG_STATE_TYPES)
        set_dynamic_fields(current, values, actor=actor)
        current = _locked_ticket(current)
        if state is not None and (
            state.pk != current.state_id or (state.is_pending and pending_until)
        ):
            current = _new_state(current, state, pending_until, actor)
    return current
