"""The time-driven jobs of tickets: escalation sweep, pending reminders, pending auto
close, auto unlock. Each finds its tickets through an indexed column, claims each one
(row lock with SKIP LOCKED on PostgreSQL, and a conditional UPDATE or a re-check under
the lock that holds on SQLite too), so several consumers never handle a ticket twice,
and leaves history by the system user."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext_noop

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.notifications.models import NotificationType
from sportello.notifications.services import notify, queue_subscribers
from sportello.sla.escalation import CLOCKS, Clock, escalation_bit, plan, warning_bit
from sportello.sla.scheduler import periodic_job
from sportello.sla.services import RELATED, effective_sla, sla_calendar
from sportello.tickets import actions
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import History, Lock, StateType, Ticket
from sportello.tickets.selectors import state_by_name

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_BATCHES = 10_000
# Which state a pending auto state reaches at its pending time (OTRS StateAfterPending).
STATE_AFTER_PENDING = {
    "pending auto close+": "closed successful",
    "pending auto close-": "closed unsuccessful",
}


def _skip_locked(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Lock the rows, passing over those another consumer holds (PostgreSQL). SQLite has
    no row locks: its IMMEDIATE transactions run one at a time."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def _system(name: str) -> Actor:
    return Actor.system("job", name=name)


# -- escalations ---------------------------------------------------------------------------


@periodic_job("escalations")
def sweep_escalations(now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Notify every warning and escalation whose time has come, once each."""
    from sportello.sla.tasks import deliver_escalations

    actor = _system("escalation")
    total = 0
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            due = Ticket.objects.filter(escalation_next_at__lte=now).order_by("escalation_next_at")
            rows = list(_skip_locked(due.select_related(*RELATED))[:batch_size])
            items, history = _claim_escalations(rows, now, actor)
            History.objects.bulk_create(history)
            if items:
                transaction.on_commit(lambda items=items: deliver_escalations(items))  # type: ignore[misc]
        total += len(items)
        if len(rows) < batch_size:
            break
    return total


def _claim_escalations(
    rows: Iterable[Ticket], now: datetime, actor: Actor
) -> tuple[list[tuple[int, str]], list[History]]:
    planned: list[tuple[Ticket, int, int, datetime | None]] = []
    for ticket in rows:
        sla = effective_sla(ticket)
        current = plan(ticket, sla, sla_calendar(sla, ticket.queue), ticket.state.type)
        reached = 0
        for threshold in current.thresholds:
            if threshold.at <= now:
                reached |= threshold.bit
        fresh = reached & ~ticket.escalation_notified
        mask = ticket.escalation_notified | reached
        planned.append((ticket, fresh, mask, current.next_at(mask)))
    claimed = _claim(planned)
    items: list[tuple[int, str]] = []
    history: list[History] = []
    for ticket, fresh, _mask, _next in planned:
        if ticket.pk not in claimed or not fresh:
            continue
        warned, escalated = [], []
        for clock in CLOCKS:
            if fresh & escalation_bit(clock):
                escalated.append(clock)
            elif fresh & warning_bit(clock):
                warned.append(clock)
        for clocks, kind, history_type in (
            (escalated, NotificationType.ESCALATION, HistoryType.ESCALATION_START),
            (warned, NotificationType.ESCALATION_WARNING, HistoryType.ESCALATION_WARNING),
        ):
            if not clocks:
                continue
            items.append((ticket.pk, kind))
            history.extend(_history(ticket, history_type, clock, actor, now) for clock in clocks)
    return items, history


def _claim(planned: list[tuple[Ticket, int, int, datetime | None]]) -> set[int]:
    """Move each ticket's mask and next time on, only where they are still as read: the
    ids returned are this consumer's. PostgreSQL: one UPDATE for the batch."""
    if not planned:
        return set()
    if connection.vendor == "postgresql":
        table = Ticket._meta.db_table
        values = ", ".join(
            ["(%s::bigint, %s::int, %s::timestamptz, %s::int, %s::timestamptz)"] * len(planned)
        )
        params: list[Any] = []
        for ticket, _fresh, mask, next_at in planned:
            params += [
                ticket.pk,
                ticket.escalation_notified,
                ticket.escalation_next_at,
                mask,
                next_at,
            ]
        sql = (
            f"UPDATE {table} AS t SET escalation_notified = v.new_mask, "  # noqa: S608
            "escalation_next_at = v.new_next "
            f"FROM (VALUES {values}) AS v(id, old_mask, old_next, new_mask, new_next) "
            "WHERE t.id = v.id AND t.escalation_notified = v.old_mask "
            "AND t.escalation_next_at IS NOT DISTINCT FROM v.old_next RETURNING t.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
    claimed = set()
    for ticket, _fresh, mask, next_at in planned:
        updated = Ticket.objects.filter(
            pk=ticket.pk,
            escalation_notified=ticket.escalation_notified,
            escalation_next_at=ticket.escalation_next_at,
        ).update(escalation_notified=mask, escalation_next_at=next_at)
        if updated:
            claimed.add(ticket.pk)
    return claimed


def _history(
    ticket: Ticket, type: HistoryType, clock: Clock, actor: Actor, now: datetime
) -> History:
    return History(
        ticket=ticket,
        type=type,
        actor=actor.user,
        actor_name=actor.label[:300],
        channel=actor.channel,
        new_value=clock.value,
        queue_id_at=ticket.queue_id,
        state_id_at=ticket.state_id,
        created=now,
    )


def escalation_recipients(ticket: Ticket) -> list[User]:
    """The queue's agents (My Queues), the owner and the responsible."""
    people = queue_subscribers(ticket)
    if not ticket.owner.is_system:
        people.append(ticket.owner)
    if ticket.responsible is not None:
        people.append(ticket.responsible)
    return people


def deliver(items: Iterable[tuple[int, str]]) -> int:
    """Notify (in-app and by mail through the outbox) what the sweep claimed."""
    sent = 0
    wanted = list(items)
    tickets = Ticket.objects.select_related(
        "queue__system_address", "owner", "responsible", "state"
    ).in_bulk([pk for pk, _kind in wanted])
    for pk, kind in wanted:
        ticket = tickets.get(pk)
        if ticket is None:
            continue
        try:
            sent += len(notify(ticket, kind, escalation_recipients(ticket)))
        except Exception:
            logger.exception("escalation notification for ticket %s failed", pk)
    return sent


# -- pending reminders ---------------------------------------------------------------------


@periodic_job("pending-reminders")
def pending_reminders(now: datetime) -> int:
    """At the pending time of a "pending reminder" ticket, tell its owner (all agents of
    the queue when it is unlocked); the state stays. Once per pending time."""
    actor = _system("reminder")
    due = (
        Ticket.objects.filter(state__type=StateType.PENDING_REMINDER, pending_until__lte=now)
        .exclude(reminder_sent_for=F("pending_until"))
        .select_related("queue__system_address", "owner", "responsible", "state")
        .order_by("pending_until")
    )
    count = 0
    for ticket in list(due[:BATCH_SIZE]):
        with transaction.atomic():
            claimed = (
                Ticket.objects.filter(
                    pk=ticket.pk,
                    state__type=StateType.PENDING_REMINDER,
                    pending_until=ticket.pending_until,
                )
                .exclude(reminder_sent_for=ticket.pending_until)
                .update(reminder_sent_for=ticket.pending_until)
            )
            if not claimed:
                continue
            assert ticket.pending_until is not None
            actions.record_time_event(
                ticket,
                HistoryType.PENDING_REMINDER_REACHED,
                actor=actor,
                new=ticket.pending_until.isoformat(timespec="minutes"),
            )
            if ticket.is_locked and not ticket.owner.is_system:
                people = [ticket.owner]
            else:
                people = queue_subscribers(ticket)
            notify(ticket, NotificationType.PENDING_REMINDER, people)
        count += 1
    return count


# -- pending auto close --------------------------------------------------------------------


@periodic_job("pending-auto-close")
def pending_auto_close(now: datetime) -> int:
    """At the pending time, "pending auto close+" becomes "closed successful" and
    "pending auto close-" "closed unsuccessful", by the system user."""
    actor = _system("auto close")
    candidates = list(
        Ticket.objects.filter(state__type=StateType.PENDING_AUTO, pending_until__lte=now)
        .order_by("pending_until")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    count = 0
    for pk in candidates:
        with transaction.atomic():
            ticket = (
                _skip_locked(
                    Ticket.objects.filter(
                        pk=pk, state__type=StateType.PENDING_AUTO, pending_until__lte=now
                    )
                )
                .select_related("state")
                .first()
            )
            if ticket is None:
                continue  # another consumer has it, or it changed meanwhile
            target = STATE_AFTER_PENDING.get(ticket.state.name)
            if target is None:
                logger.warning("no state after pending for %s", ticket.state.name)
                continue
            actions.set_state(ticket, state_by_name(target), actor=actor)
        count += 1
    return count


# -- auto unlock ---------------------------------------------------------------------------

LOCK_TIMEOUT_COMMENT = gettext_noop("lock timeout")


@periodic_job("auto-unlock")
def auto_unlock(now: datetime) -> int:
    """Unlock tickets whose owner has not acted for the queue's unlock timeout (working
    time); the owner stays owner and is told."""
    actor = _system("unlock")
    candidates = list(
        Ticket.objects.filter(lock=Lock.LOCK, unlock_due__lte=now)
        .order_by("unlock_due")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    count = 0
    for pk in candidates:
        with transaction.atomic():
            ticket = (
                _skip_locked(Ticket.objects.filter(pk=pk, lock=Lock.LOCK, unlock_due__lte=now))
                .select_related("queue__system_address", "owner", "state")
                .first()
            )
            if ticket is None:
                continue
            ticket = actions.auto_unlock(ticket, actor=actor, comment=LOCK_TIMEOUT_COMMENT)
            Ticket.objects.filter(pk=pk).update(unlock_due=None, unlock_timeout_start=None)
            notify(ticket, NotificationType.LOCK_TIMEOUT, [ticket.owner])
        count += 1
    return count
