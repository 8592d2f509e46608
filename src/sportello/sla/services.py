"""Service levels applied to tickets: which SLA and calendar, the due times stored on the
ticket, and what the ticket zoom shows of them.

``refresh`` brings a loaded ticket's SLA columns up to date from its state and milestones
without touching the database; ``apply`` does that inside an action's transaction, on
the row the action holds locked, and stores the columns that changed. Recomputing is not
a change by anyone: it writes no history and leaves ``changed`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import DateTimeField, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.core import cache as configuration_cache
from sportello.core import events
from sportello.core.writes import Update
from sportello.queues.models import Queue
from sportello.sla.escalation import CLOCKS, DUE_FIELD, Clock, Plan, clock_bits, plan
from sportello.sla.models import SLA, Calendar, Service
from sportello.sla.working_time import WorkingCalendar
from sportello.tickets.models import State, StateType, Ticket

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
    "update_wait_since",
    "sla_paused_since",
    "sla_paused_minutes",
    "solution_minutes",
    "unlock_timeout_start",
    "unlock_due",
)
# A subscriber's change to the milestones before a refresh: (ticket, now).
Change = Callable[[Ticket, datetime], None]
# Built-in fallback when no calendar is marked default: Monday to Friday, 08:00-17:00.
FALLBACK = {"time_zone": "Europe/Berlin", "hours": {d: [(480, 1020)] for d in range(5)}}

_calendars: dict[tuple[int, datetime], WorkingCalendar] = {}


def clear_caches() -> None:
    _calendars.clear()


def default_calendar() -> Calendar | None:
    """The calendar marked default, from the configuration cache: read again only after a
    calendar changed (checked at most once a second), not after a time to live, so what
    a page reads does not depend on the clock."""
    configuration_cache.refresh(max_age=1.0)
    return configuration_cache.get(
        "default_calendar", lambda: Calendar.objects.filter(is_default=True, valid=True).first()
    )


def working_calendar(calendar: Calendar | None) -> WorkingCalendar:
    """The computing form of a calendar (None: the default), cached until it changes."""
    calendar = calendar if calendar is not None and calendar.valid else default_calendar()
    if calendar is None:
        key = (0, datetime.min)
        if key not in _calendars:
            _calendars[key] = fallback_calendar()
        return _calendars[key]
    key = (calendar.pk, calendar.changed)
    found = _calendars.get(key)
    if found is None:
        if len(_calendars) > 256:
            _calendars.clear()
        found = _calendars[key] = computing_form(calendar)
    return found


def computing_form(calendar: Any) -> WorkingCalendar:
    """A calendar row with its hours and holidays as a ``WorkingCalendar``. Reads only
    columns, so a migration's historical model serves as well."""
    hours: dict[int, list[tuple[int, int]]] = {}
    for row in calendar.hours.all():
        start = row.start.hour * 60 + row.start.minute
        end = row.end.hour * 60 + row.end.minute
        hours.setdefault(row.weekday, []).append((start, end or 1440))
    yearly, once = set(), set()
    for holiday in calendar.holidays.all():
        if holiday.yearly:
            yearly.add((holiday.date.month, holiday.date.day))
        else:
            once.add(holiday.date)
    return WorkingCalendar(
        time_zone=calendar.time_zone,
        hours=hours,
        yearly_holidays=frozenset(yearly),
        holidays=frozenset(once),
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
    )


def fallback_calendar() -> WorkingCalendar:
    return WorkingCalendar(**FALLBACK)  # type: ignore[arg-type]


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


def ticket_calendar(ticket: Ticket) -> WorkingCalendar:
    """The calendar the ticket's clocks run on (configuration attached)."""
    return sla_calendar(effective_sla(ticket), ticket.queue)


def _elapsed(ticket: Ticket, calendar: WorkingCalendar, at: datetime) -> int:
    """Working minutes from creation to ``at``, without the time spent pending."""
    end = min(at, ticket.sla_paused_since) if ticket.sla_paused_since else at
    return max(0, round(calendar.between(ticket.created, end) - ticket.sla_paused_minutes))


def record_first_response(ticket: Ticket, at: datetime) -> None:
    if ticket.first_response_at is None:
        calendar = ticket_calendar(ticket)
        ticket.first_response_minutes = _elapsed(ticket, calendar, at)
        ticket.first_response_at = at


def refresh(ticket: Ticket, *, now: datetime) -> Plan:
    """Bring the SLA columns of a loaded ticket (state, queue, SLA and service attached)
    up to date."""
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


@dataclass(frozen=True)
class _Configuration:
    states: dict[int, State]
    queues: dict[int, Queue]
    calendars: dict[int, Calendar]
    slas: dict[int, SLA]
    services: dict[int, Service]


def _load_configuration() -> _Configuration:
    calendars = {calendar.pk: calendar for calendar in Calendar.objects.all()}
    slas: dict[int, SLA] = {}
    for sla in SLA.objects.all():
        _attach(sla, "calendar", calendars)
        slas[sla.pk] = sla
    services: dict[int, Service] = {}
    for service in Service.objects.all():
        _attach(service, "sla", slas)
        services[service.pk] = service
    queues: dict[int, Queue] = {}
    for queue in Queue.objects.all():
        _attach(queue, "calendar", calendars)
        _attach(queue, "default_sla", slas)
        queues[queue.pk] = queue
    states = {state.pk: state for state in State.objects.all()}
    return _Configuration(states, queues, calendars, slas, services)


def _attach(instance: Any, field: str, known: dict[int, Any]) -> None:
    """Set a foreign key's object from ``known``; one not (yet) known is left to the
    descriptor, which reads it."""
    pk = getattr(instance, f"{field}_id")
    if pk is not None and pk in known:
        setattr(instance, field, known[pk])


def attach_configuration(ticket: Ticket) -> None:
    known = configuration_cache.get("sla", _load_configuration)
    for field, table in (
        ("state", known.states),
        ("queue", known.queues),
        ("sla", known.slas),
        ("service", known.services),
    ):
        _attach(ticket, field, table)


def apply(ticket: Ticket, *, now: datetime, change: Change | None = None) -> None:
    """Refresh a ticket that an action holds locked, inside the action's transaction, and
    store its SLA columns if they changed (or leave those to the action's own save that
    follows, ``core.events.saved_after``): no read, no commit of its own.

    The configuration (state, queue, SLA, service, calendars) comes from the per-process
    cache, checked against the database at most once a second."""
    configuration_cache.refresh(max_age=1.0)
    attach_configuration(ticket)
    before = _sla_values(ticket)
    if change is not None:
        change(ticket, now)
    refresh(ticket, now=now)
    changed = tuple(
        name for name, old in zip(SLA_FIELDS, before, strict=True) if getattr(ticket, name) != old
    )
    if changed and not events.defer_columns(ticket, changed):
        _store_columns(ticket)


def _sla_values(ticket: Ticket) -> tuple[Any, ...]:
    return tuple(getattr(ticket, name) for name in SLA_FIELDS)


# The SLA columns of a locked row, by primary key: compiled once (core.writes).
_UPDATE = Update(Ticket)


def _store_columns(ticket: Ticket) -> None:
    _UPDATE.save(ticket, SLA_FIELDS)


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
