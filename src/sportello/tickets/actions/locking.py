"""Lock, owner, responsible and watching; the dialogs' stale-edit check and lock rules
(seed 003, "Ticket-Sperre"/"Besitzer"): lock-requiring actions take the lock and make
the actor owner, and are refused while the ticket is locked to someone else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput
from sportello.queues.models import Queue
from sportello.tickets import events
from sportello.tickets.actions._base import (
    _change,
    _locked_ticket,
    _publish,
    _require_valid,
    _username,
    holding,
)
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Lock,
    Ticket,
    TicketWatch,
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


@contextmanager
def editing(ticket: Ticket, *, actor: Actor, changed: datetime | None) -> Iterator[Ticket]:
    """Run a dialog's actions on the row as the agent last saw it.

    ``changed`` is the ticket's ``changed`` when the dialog was rendered: if someone acted
    in between, the submit is refused (never silently lost) and the agent sees the new
    state. The row stays locked until the block ends, so a concurrent submit waits and
    then meets the new ``changed``; the actions in the block use it without reading it
    again (``holding``)."""
    with holding(ticket) as current:
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


def take_lock(ticket: Ticket, *, actor: Actor) -> Ticket:
    """What an action that needs the lock does first (answer, forward, bounce, the lock
    dialogs): refused while another agent holds it, else locked to the actor, who
    becomes owner; the system user works without taking it."""
    return _take_lock(ticket, actor)


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
