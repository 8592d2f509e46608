"""Service levels applied to tickets: which SLA and calendar, the due times stored on the
ticket, and what the ticket zoom shows of them.

``refresh`` brings a loaded ticket's SLA columns up to date from its state and milestones
without touching the database; ``recompute`` loads, refreshes and stores one ticket.
Recomputing is not a change by anyone: it writes no history and leaves ``changed`` alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.queues.models import Queue
from sportello.sla.escalation import CLOCKS, DUE_FIELD, Clock, Plan, clock_bits, plan
from sportello.sla.models import SLA, Calendar
from sportello.sla.working_time import WorkingCalendar
from sportello.tickets.models import StateType, Ticket

# What refresh reads, in one query with the ticket.
RELATED = (
    "state",
    "queue__calendar",
    "queue__default_sla__calendar",
    "sla__calendar",
    "service__sla__calendar",
)
# The columns refresh may change.
SLA_FIELDS = (
    "first_response_due",
    "update_due",
    "solution_due",
    "escalation_next_at",
    "escalation_notified",
    "first_response_at",
    "first_response_minutes",
    "update_start",
    "sla_paused_since",
    "sla_paused_minutes",
    "solution_minutes",
    "unlock_timeout_start",
    "unlock_due",
)
# Built-in fallback when no calendar is marked default: Monday to Friday, 08:00-17:00.
FALLBACK = {"time_zone": "Europe/Berlin", "hours": {d: [(480, 1020)] for d in range(5)}}
DEFAULT_TTL = 10.0

_calendars: dict[tuple[int, datetime], WorkingCalendar] = {}
_default: tuple[float, Calendar | None] | None = None


def clear_caches() -> None:
    global _default
    _calendars.clear()
    _default = None


def default_calendar() -> Calendar | None:
    """The calendar marked default, looked up at most every ``DEFAULT_TTL`` seconds."""
    global _default
    if _default is None or time.monotonic() - _default[0] > DEFAULT_TTL:
        found = Calendar.objects.filter(is_default=True, valid=True).first()
        _default = (time.monotonic(), found)
    return _default[1]


def working_calendar(calendar: Calendar | None) -> WorkingCalendar:
    """The computing form of a calendar (None: the default), cached until it changes."""
    calendar = calendar if calendar is not None and calendar.valid else default_calendar()
    if calendar is None:
        key = (0, datetime.min)
        if key not in _calendars:
            _calendars[key] = WorkingCalendar(**FALLBACK)  # type: ignore[arg-type]
        return _calendars[key]
    key = (calendar.pk, calendar.changed)
    found = _calendars.get(key)
    if found is None:
        if len(_calendars) > 256:
            _calendars.clear()
        hours: dict[int, list[tuple[int, int]]] = {}
        for row in calendar.hours.all():
            hours.setdefault(row.weekday, []).append(row.minutes)
        yearly, once = set(), set()
        for holiday in calendar.holidays.all():
            if holiday.yearly:
                yearly.add((holiday.date.month, holiday.date.day))
            else:
                once.add(holiday.date)
        found = WorkingCalendar(
            time_zone=calendar.time_zone,
            hours=hours,
            yearly_holidays=frozenset(yearly),
            holidays=frozenset(once),
            country=calendar.holiday_country,
            subdivision=calendar.holiday_subdivision,
        )
        _calendars[key] = found
    return found


def _valid(sla: SLA | None) -> SLA | None:
    return sla if sla is not None and sla.valid else None


def effective_sla(ticket: Ticket) -> SLA | None:
    """The ticket's own SLA, else its service's, else its queue's default."""
    service_sla = ticket.service.sla if ticket.service_id and ticket.service else None
    return _valid(ticket.sla) or _valid(service_sla) or _valid(ticket.queue.default_sla)


def sla_calendar(sla: SLA | None, queue: Queue) -> WorkingCalendar:
    if sla is not None and sla.calendar_id is not None:
        return working_calendar(sla.calendar)
    return working_calendar(queue.calendar)


def _elapsed(ticket: Ticket, calendar: WorkingCalendar, at: datetime) -> int:
    """Working minutes from creation to ``at``, without the time spent pending."""
    end = min(at, ticket.sla_paused_since) if ticket.sla_paused_since else at
    return max(0, round(calendar.between(ticket.created, end) - ticket.sla_paused_minutes))


def record_first_response(ticket: Ticket, at: datetime) -> None:
    if ticket.first_response_at is None:
        calendar = sla_calendar(effective_sla(ticket), ticket.queue)
        ticket.first_response_minutes = _elapsed(ticket, calendar, at)
        ticket.first_response_at = at


def refresh(ticket: Ticket, *, now: datetime) -> Plan:
    """Bring the SLA columns of a loaded ticket (with ``RELATED``) up to date."""
    sla = effective_sla(ticket)
    calendar = sla_calendar(sla, ticket.queue)
    state_type = ticket.state.type
    # Pending stops the clock: remember since when, and add the span when it leaves.
    if ticket.state.is_pending:
        if ticket.sla_paused_since is None:
            ticket.sla_paused_since = now
    elif ticket.sla_paused_since is not None:
        ticket.sla_paused_minutes += calendar.between(ticket.sla_paused_since, now)
        ticket.sla_paused_since = None
        ticket.update_start = now
    # The reporting hook: the solution time, kept while closed.
    if state_type == StateType.CLOSED:
        if ticket.solution_minutes is None:
            ticket.solution_minutes = _elapsed(ticket, calendar, now)
    else:
        ticket.solution_minutes = None
    result = plan(ticket, sla, calendar, state_type)
    notified = ticket.escalation_notified
    for clock in CLOCKS:
        field = DUE_FIELD[clock]
        if getattr(ticket, field) != result.due[clock]:
            # A new deadline: its warning and escalation are told again.
            notified &= ~clock_bits(clock)
            setattr(ticket, field, result.due[clock])
    ticket.escalation_notified = notified
    ticket.escalation_next_at = result.next_at(notified)
    _refresh_unlock(ticket, now=now)
    return result


def _refresh_unlock(ticket: Ticket, *, now: datetime) -> None:
    timeout = ticket.queue.unlock_timeout
    if not ticket.is_locked:
        ticket.unlock_timeout_start = None
        ticket.unlock_due = None
        return
    if ticket.unlock_timeout_start is None:
        ticket.unlock_timeout_start = now
    ticket.unlock_due = (
        working_calendar(ticket.queue.calendar).add(ticket.unlock_timeout_start, timeout)
        if timeout
        else None
    )


def locked_for_refresh(ticket_id: int) -> Ticket | None:
    """The ticket row with what ``refresh`` reads, locked until the transaction ends."""
    queryset: QuerySet[Ticket] = Ticket.objects.select_related(*RELATED)
    return queryset.select_for_update(of=("self",)).filter(pk=ticket_id).first()


def store(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        **{name: getattr(ticket, name) for name in SLA_FIELDS}
    )


def recompute(ticket_id: int, *, now: datetime | None = None, change: Any = None) -> Ticket | None:
    """Load, refresh and store one ticket; ``change(ticket, now)`` first updates a
    milestone (the first response, the owner's last action).

    One plain read: most events change nothing here (no SLA, no lock), and those that do
    store with a compare-and-set UPDATE that only matches while the row still has what
    was read (``changed`` and the SLA columns). Only when another writer came between
    does it read again, under the row lock."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related(*RELATED).filter(pk=ticket_id).first()
    if ticket is None:
        return None
    before = _sla_values(ticket)
    if change is not None:
        change(ticket, now)
    refresh(ticket, now=now)
    after = _sla_values(ticket)
    if after == before:
        return ticket
    unchanged = dict(zip(SLA_FIELDS, before, strict=True), changed=ticket.changed)
    if Ticket.objects.filter(pk=ticket_id, **unchanged).update(
        **dict(zip(SLA_FIELDS, after, strict=True))
    ):
        return ticket
    with transaction.atomic():
        ticket = locked_for_refresh(ticket_id)
        if ticket is None:
            return None
        before = _sla_values(ticket)
        if change is not None:
            change(ticket, now)
        refresh(ticket, now=now)
        if _sla_values(ticket) != before:
            store(ticket)
    return ticket


def _sla_values(ticket: Ticket) -> tuple[Any, ...]:
    return tuple(getattr(ticket, name) for name in SLA_FIELDS)


# -- what the ticket zoom, dashboards and search show ------------------------------------


def escalated(queryset: QuerySet[Ticket], *, now: datetime | None = None) -> QuerySet[Ticket]:
    """Tickets with a due time passed (the escalated-tickets widget and view), by the
    indexed due columns, earliest first."""
    now = now or timezone.now()
    passed = Q(first_response_due__lte=now) | Q(update_due__lte=now) | Q(solution_due__lte=now)
    # SQLite's MIN() of several values is NULL when one is: NULL counts as far away.
    far = Value(datetime(9999, 1, 1, tzinfo=UTC), output_field=DateTimeField())
    earliest = Least(*(Coalesce(name, far) for name in DUE_FIELD.values()))
    return queryset.filter(passed).order_by(earliest, "id")


class DueState:
    OK = "ok"
    WARNING = "warning"
    ESCALATED = "escalated"


LABELS = {
    Clock.FIRST_RESPONSE: _("First response"),
    Clock.UPDATE: _("Update"),
    Clock.SOLUTION: _("Solution"),
}


@dataclass(frozen=True)
class DueTime:
    clock: Clock
    label: str
    due: datetime
    # Working minutes left; negative: how long ago it escalated.
    remaining_minutes: int
    state: str


# What due_times reads beside the ticket row.
DUE_RELATIONS = (
    "sla__calendar",
    "service__sla__calendar",
    "queue__default_sla__calendar",
    "queue__calendar",
)


def prefetch_for_due_times(tickets: list[Ticket]) -> None:
    """Fetch what ``due_times`` reads for a page of tickets in a few queries (one per
    relation), for those with a due time only: a list without SLAs costs nothing."""
    running = [t for t in tickets if any(getattr(t, f) for f in DUE_FIELD.values())]
    if running:
        prefetch_related_objects(running, *DUE_RELATIONS)


def due_times(ticket: Ticket, *, now: datetime | None = None) -> list[DueTime]:
    """The running clocks of a ticket with due time, remaining working time and state
    (ok, warning, escalated), for the ticket zoom, dashboards and search."""
    now = now or timezone.now()
    dues = [(clock, getattr(ticket, DUE_FIELD[clock])) for clock in CLOCKS]
    if all(due is None for _clock, due in dues):
        return []
    sla = effective_sla(ticket)
    calendar = sla_calendar(sla, ticket.queue)
    current = plan(ticket, sla, calendar, ticket.state.type)
    result = []
    for clock, due in dues:
        if due is None:
            continue
        warning = current.warning_at(clock)
        if now >= due:
            state, remaining = DueState.ESCALATED, -round(calendar.between(due, now))
        else:
            remaining = round(calendar.between(now, due))
            state = DueState.WARNING if warning is not None and now >= warning else DueState.OK
        result.append(DueTime(clock, str(LABELS[clock]), due, remaining, state))
    return result
