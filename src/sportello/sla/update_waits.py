"""The update clock per customer contact (``UpdateWait``): kept as the articles arrive,
and rebuilt from the articles where they arrived another way (an upgrade, an import).

A contact is the customer's first article after an agent's answer for the customer (or
the ticket's first); the next agent article for the customer answers it. Automatic mail
and internal notes take no part. The working minutes between are counted in the calendar
of the ticket's SLA (else its queue's, else the default) at the time of the answer, as
the first response's are."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.apps import apps as live_apps
from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When

from sportello.sla.models import UpdateWait
from sportello.sla.working_time import US_PER_MINUTE, WorkingCalendar
from sportello.tickets.models import Ticket

# Tickets per transaction when rebuilding.
BATCH = 5_000


def contact(ticket: Ticket, at: datetime) -> None:
    """A customer article: it starts a wait unless one is open (stored with the ticket's
    other SLA columns, no statement of its own)."""
    if ticket.update_wait_since is None:
        ticket.update_wait_since = at


def answered(ticket: Ticket, at: datetime, calendar: WorkingCalendar) -> None:
    """An agent article for the customer: it answers the open wait, if there is one."""
    since = ticket.update_wait_since
    if since is None:
        return
    minutes = working_minutes(calendar, since, at)
    UpdateWait.objects.create(
        ticket_id=ticket.pk,
        queue_id=ticket.queue_id,
        contact_at=since,
        answered_at=at,
        minutes=minutes,
    )
    ticket.update_wait_since = None


def working_minutes(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    return round(calendar.between_us(start, end) / US_PER_MINUTE)


# -- rebuilding from the articles ----------------------------------------------------


def waits_of(
    articles: Iterable[tuple[datetime, str, bool, int]], calendar: WorkingCalendar
) -> Iterator[tuple[datetime, datetime | None, int | None, int | None]]:
    """The waits of one ticket's conversation in article order: (created, sender type,
    from an agent for the customer, article id) → (contact, answer time, minutes, the
    answer's article id), the last three None for the contact still waiting."""
    since: datetime | None = None
    for created, sender_type, is_answer, article_id in articles:
        if sender_type == "customer":
            if since is None:
                since = created
        elif is_answer and since is not None:
            # Offsets from one origin: two lookups per span, not a day walk.
            span = calendar.offset_us(created) - calendar.offset_us(since)
            yield since, created, round(max(0, span) / US_PER_MINUTE), article_id
            since = None
    if since is not None:
        yield since, None, None, None


class _Calendars:
    """Each ticket's calendar as the SLA code picks it (the ticket's valid SLA, else its
    service's, else its queue's default; the SLA's calendar, else the queue's, else the
    default one), from the models of ``apps`` (a migration passes its historical ones)."""

    def __init__(self, apps: Any) -> None:
        from sportello.sla.services import computing_form, fallback_calendar

        calendar_model = apps.get_model("sla", "Calendar")
        calendars = {c.pk: c for c in calendar_model.objects.prefetch_related("hours", "holidays")}
        default = next((c for c in calendars.values() if c.is_default and c.valid), None)
        self._default = computing_form(default) if default else fallback_calendar()
        self._computed = {pk: computing_form(c) for pk, c in calendars.items() if c.valid}
        self._slas = {
            pk: calendar_id
            for pk, calendar_id in apps.get_model("sla", "SLA")
            .objects.filter(valid=True)
            .values_list("pk", "calendar_id")
        }
        self._service_sla = dict(
            apps.get_model("sla", "Service").objects.values_list("pk", "sla_id")
        )
        self._queues = {
            pk: (sla_id, calendar_id)
            for pk, sla_id, calendar_id in apps.get_model("queues", "Queue").objects.values_list(
                "pk", "default_sla_id", "calendar_id"
            )
        }

    def of(self, sla_id: int | None, service_id: int | None, queue_id: int) -> WorkingCalendar:
        queue_sla, queue_calendar = self._queues.get(queue_id, (None, None))
        for candidate in (sla_id, self._service_sla.get(service_id) if service_id else None):
            if candidate in self._slas:
                break
        else:
            candidate = queue_sla if queue_sla in self._slas else None
        calendar_id = self._slas[candidate] if candidate is not None else None
        if calendar_id is None:
            calendar_id = queue_calendar
        return self._computed.get(calendar_id, self._default) if calendar_id else self._default


def rebuild(
    ticket_ids: Sequence[int] | None = None,
    *,
    apps: Any = live_apps,
    progress: Any = None,
) -> int:
    """Replace the waits of ``ticket_ids`` (None: of every ticket) with the ones their
    articles give, and each ticket's open contact; returns the waits written. In
    batches of ``BATCH`` tickets, one transaction each."""
    ticket_model = apps.get_model("tickets", "Ticket")
    if ticket_ids is None:
        ids = list(ticket_model.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(ticket_ids))
    calendars = _Calendars(apps)
    written = 0
    for position in range(0, len(ids), BATCH):
        chunk = ids[position : position + BATCH]
        with transaction.atomic():
            written += _rebuild_batch(apps, chunk, calendars)
        if progress is not None:
            progress(min(position + BATCH, len(ids)), len(ids))
    return written


def _rebuild_batch(apps: Any, ids: list[int], calendars: _Calendars) -> int:
    ticket_model = apps.get_model("tickets", "Ticket")
    article_model = apps.get_model("tickets", "Article")
    wait_model = apps.get_model("sla", "UpdateWait")
    history_model = apps.get_model("tickets", "History")
    low, high = ids[0], ids[-1]
    # A range and a membership test: the id list may be sparse (an import's tickets).
    wanted = set(ids)
    tickets = {
        pk: (sla_id, service_id, queue_id)
        for pk, sla_id, service_id, queue_id in ticket_model.objects.filter(
            pk__gte=low, pk__lte=high
        ).values_list("pk", "sla_id", "service_id", "queue_id")
        if pk in wanted
    }
    conversation = (
        article_model.objects.filter(ticket_id__gte=low, ticket_id__lte=high, is_automatic=False)
        .filter(sender_type__in=("customer", "agent"))
        .order_by("ticket_id", "number")
        .values_list("ticket_id", "created", "sender_type", "visible_for_customer", "pk")
    )
    by_ticket: dict[int, list[tuple[datetime, str, bool, int]]] = {}
    for ticket_id, created, sender_type, visible, pk in conversation.iterator(chunk_size=20_000):
        if ticket_id in tickets:
            answer = sender_type == "agent" and bool(visible)
            if sender_type == "customer" or answer:
                by_ticket.setdefault(ticket_id, []).append((created, sender_type, answer, pk))
    # The queue at the time of each answer: its article's history row (else, for a row
    # without one, the ticket's queue now).
    queue_at = dict(
        history_model.objects.filter(
            ticket_id__gte=low, ticket_id__lte=high, article_id__isnull=False
        ).values_list("article_id", "queue_id_at")
    )
    rows = []
    open_since: dict[int, datetime] = {}
    for ticket_id, articles in by_ticket.items():
        sla_id, service_id, queue_id = tickets[ticket_id]
        calendar = calendars.of(sla_id, service_id, queue_id)
        for contact_at, answered_at, minutes, article_id in waits_of(articles, calendar):
            if answered_at is None:
                open_since[ticket_id] = contact_at
            else:
                rows.append(
                    wait_model(
                        ticket_id=ticket_id,
                        queue_id=queue_at.get(article_id) or queue_id,
                        contact_at=contact_at,
                        answered_at=answered_at,
                        minutes=minutes,
                    )
                )
    wait_model.objects.filter(ticket_id__in=list(tickets)).delete()
    wait_model.objects.bulk_create(rows, batch_size=2_000)
    stale = ticket_model.objects.filter(pk__in=list(tickets), update_wait_since__isnull=False)
    stale.exclude(pk__in=list(open_since)).update(update_wait_since=None)
    # The open contacts onto their tickets: a CASE per few hundred (not a statement per
    # ticket, nor a CASE so long that each row walks thousands of branches).
    pending = list(open_since.items())
    for start in range(0, len(pending), 500):
        part = pending[start : start + 500]
        ticket_model.objects.filter(pk__in=[pk for pk, _since in part]).update(
            update_wait_since=Case(
                *(When(pk=pk, then=Value(since)) for pk, since in part),
                output_field=DateTimeField(),
            )
        )
    return len(rows)
