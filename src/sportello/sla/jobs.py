"""The time-driven jobs of tickets: escalation sweep, pending reminders, pending auto
close, auto unlock. Each finds its tickets through an indexed column, claims each one
(row lock with SKIP LOCKED on PostgreSQL, and a conditional UPDATE or a re-check under
the lock that holds on SQLite too), so several consumers never handle a ticket twice,
and leaves history by the system user."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.events import publish
from sportello.core.scheduler import periodic_job
from sportello.notifications.models import NotificationType
from sportello.notifications.services import notify, queue_subscribers
from sportello.queues.models import Queue
from sportello.sla.escalation import CLOCKS, escalation_bit, plan, warning_bit
from sportello.sla.events import EscalationNotified
from sportello.sla.models import SLA, EscalationNotice, Service
from sportello.sla.services import sla_calendar
from sportello.tickets import actions
from sportello.tickets.history import entry_by_ids, record_many
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Lock, State, StateType, Ticket
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


@dataclass
class _Due:
    """The columns of a due ticket the sweep reads (no model instances: cheaper)."""

    pk: int
    queue_id: int
    state_id: int
    sla_id: int | None
    service_id: int | None
    created: datetime
    first_response_at: datetime | None
    update_start: datetime | None
    sla_paused_since: datetime | None
    sla_paused_minutes: float
    escalation_notified: int
    escalation_next_at: datetime | None


_DUE_COLUMNS = [field.name for field in fields(_Due)]


class _Lookups:
    """Queues, SLAs, services and state types of a sweep, each fetched once."""

    def __init__(self) -> None:
        self.queues: dict[int, Queue] = {}
        self.slas: dict[int, SLA] = {}
        self.services: dict[int, Service] = {}
        self.state_types: dict[int, str] = dict(State.objects.values_list("pk", "type"))

    def load(self, rows: list[_Due]) -> None:
        def missing(ids: Iterable[int | None], known: dict[int, Any]) -> set[int]:
            return {pk for pk in ids if pk is not None and pk not in known}

        queues = missing((row.queue_id for row in rows), self.queues)
        if queues:
            found = Queue.objects.select_related("calendar", "default_sla__calendar")
            self.queues.update(found.in_bulk(queues))
        services = missing((row.service_id for row in rows), self.services)
        if services:
            self.services.update(Service.objects.select_related("sla__calendar").in_bulk(services))
        slas = missing((row.sla_id for row in rows), self.slas)
        if slas:
            self.slas.update(SLA.objects.select_related("calendar").in_bulk(slas))
        if missing((row.state_id for row in rows), self.state_types):
            self.state_types = dict(State.objects.values_list("pk", "type"))

    def sla(self, row: _Due) -> SLA | None:
        def valid(sla: SLA | None) -> SLA | None:
            return sla if sla is not None and sla.valid else None

        service = self.services.get(row.service_id) if row.service_id else None
        return (
            valid(self.slas.get(row.sla_id) if row.sla_id else None)
            or valid(service.sla if service is not None else None)
            or valid(self.queues[row.queue_id].default_sla)
        )


@periodic_job("escalations")
def sweep_escalations(now: datetime, *, batch_size: int = BATCH_SIZE) -> int:
    """Notify every warning and escalation whose time has come, once each."""
    from sportello.sla.tasks import deliver_escalations

    actor = _system("escalation")
    lookups = _Lookups()
    total = 0
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            due = Ticket.objects.filter(escalation_next_at__lte=now).order_by("escalation_next_at")
            values = _skip_locked(due).values_list(*_DUE_COLUMNS)[:batch_size]
            rows = [_Due(*row) for row in values]
            lookups.load(rows)
            items, history = _claim_escalations(rows, now, lookups)
            _insert_history(history, actor, now)
            notices = EscalationNotice.objects.bulk_create(
                EscalationNotice(ticket_id=pk, kind=kind, created=now) for pk, kind in items
            )
            ids = [notice.pk for notice in notices]
            if ids:
                transaction.on_commit(lambda ids=ids: deliver_escalations(ids))  # type: ignore[misc]
        total += len(items)
        if len(rows) < batch_size:
            break
    return total


# (ticket id, history type, clock, queue id, state id)
_HistoryRow = tuple[int, HistoryType, str, int, int]


def _claim_escalations(
    rows: Iterable[_Due], now: datetime, lookups: _Lookups
) -> tuple[list[tuple[int, str]], list[_HistoryRow]]:
    planned: list[tuple[_Due, int, int, datetime | None]] = []
    for row in rows:
        sla = lookups.sla(row)
        queue = lookups.queues[row.queue_id]
        current = plan(row, sla, sla_calendar(sla, queue), lookups.state_types[row.state_id])
        reached = 0
        for threshold in current.thresholds:
            if threshold.at <= now:
                reached |= threshold.bit
        fresh = reached & ~row.escalation_notified
        mask = row.escalation_notified | reached
        planned.append((row, fresh, mask, current.next_at(mask)))
    claimed = _claim(planned)
    items: list[tuple[int, str]] = []
    history: list[_HistoryRow] = []
    for row, fresh, _mask, _next in planned:
        if row.pk not in claimed or not fresh:
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
            items.append((row.pk, kind))
            history.extend(
                (row.pk, history_type, clock.value, row.queue_id, row.state_id) for clock in clocks
            )
    return items, history


def _claim(planned: list[tuple[_Due, int, int, datetime | None]]) -> set[int]:
    """Move each ticket's mask and next time on, only where they are still as read: the
    ids returned are this consumer's. PostgreSQL: one UPDATE for the batch."""
    if not planned:
        return set()
    if connection.vendor == "postgresql":
        table = Ticket._meta.db_table
        columns: list[list[Any]] = [[], [], [], [], []]
        for row, _fresh, mask, next_at in planned:
            for column, value in zip(
                columns,
                (row.pk, row.escalation_notified, row.escalation_next_at, mask, next_at),
                strict=True,
            ):
                column.append(value)
        sql = (
            f"UPDATE {table} AS t SET escalation_notified = v.new_mask, "  # noqa: S608
            "escalation_next_at = v.new_next FROM unnest(%s::bigint[], %s::int[], "
            "%s::timestamptz[], %s::int[], %s::timestamptz[]) "
            "AS v(id, old_mask, old_next, new_mask, new_next) "
            "WHERE t.id = v.id AND t.escalation_notified = v.old_mask "
            "AND t.escalation_next_at IS NOT DISTINCT FROM v.old_next RETURNING t.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, columns)
            return {found[0] for found in cursor.fetchall()}
    claimed = set()
    for row, _fresh, mask, next_at in planned:
        updated = Ticket.objects.filter(
            pk=row.pk,
            escalation_notified=row.escalation_notified,
            escalation_next_at=row.escalation_next_at,
        ).update(escalation_notified=mask, escalation_next_at=next_at)
        if updated:
            claimed.add(row.pk)
    return claimed


def _insert_history(rows: list[_HistoryRow], actor: Actor, now: datetime) -> None:
    """The sweep's history rows (EscalationWarning, EscalationStart) by the system user,
    through the one writer in one statement per batch."""
    record_many(
        [
            entry_by_ids(
                ticket_id,
                history_type,
                queue_id=queue_id,
                state_id=state_id,
                actor=actor,
                new=clock,
                created=now,
            )
            for ticket_id, history_type, clock, queue_id, state_id in rows
        ]
    )


def escalation_recipients(ticket: Ticket) -> list[User]:
    """The queue's agents (My Queues), the owner and the responsible."""
    people = queue_subscribers(ticket)
    if not ticket.owner.is_system:
        people.append(ticket.owner)
    if ticket.responsible is not None:
        people.append(ticket.responsible)
    return people


def deliver(notice_ids: Iterable[int]) -> int:
    """Notify (in-app and by mail through the outbox) what the sweep claimed: each notice
    in its own transaction with its row locked, marked delivered there, so two consumers
    (or the delivery task and the leftover job) never tell the same thing twice."""
    sent = 0
    for pk in notice_ids:
        try:
            with transaction.atomic():
                pending = EscalationNotice.objects.filter(pk=pk, delivered__isnull=True)
                if connection.features.has_select_for_update_skip_locked:
                    pending = pending.select_for_update(skip_locked=True)
                notice = pending.first()
                if notice is None:
                    continue
                ticket = Ticket.objects.select_related(
                    "queue__system_address", "owner", "responsible", "state"
                ).get(pk=notice.ticket_id)
                sent += len(notify(ticket, notice.kind, escalation_recipients(ticket)))
                # For outside subscribers (webhooks), after this transaction commits.
                publish(
                    EscalationNotified(
                        ticket_id=ticket.pk, actor_id=None, channel="job", kind=notice.kind
                    )
                )
                notice.delivered = timezone.now()
                notice.attempts += 1
                notice.save(update_fields=["delivered", "attempts"])
        except Exception:
            logger.exception("escalation notice %s could not be delivered", pk)
            EscalationNotice.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    return sent


@periodic_job("escalation-deliveries")
def deliver_leftovers(now: datetime) -> int:
    """Deliver notices whose delivery task did not run (or failed) within a minute."""
    ids = list(
        EscalationNotice.objects.filter(
            delivered__isnull=True,
            created__lte=now - timedelta(minutes=1),
            attempts__lt=EscalationNotice.MAX_ATTEMPTS,
        )
        .order_by("created")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    return deliver(ids)


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
            ticket = actions.unlock(ticket, actor=actor, comment=LOCK_TIMEOUT_COMMENT)
            Ticket.objects.filter(pk=pk).update(unlock_due=None, unlock_timeout_start=None)
            notify(ticket, NotificationType.LOCK_TIMEOUT, [ticket.owner])
        count += 1
    return count
