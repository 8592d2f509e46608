"""``python -m bench escalation``: the escalation sweep over many open tickets, and what
recomputing one ticket's due times costs.

The tickets are written straight into the ticket table (no articles, no history, no
events): the sweep reads only ticket rows, and a million tickets through the generator's
article and history path would take hours on a small machine. On PostgreSQL one
``INSERT … SELECT … FROM generate_series`` writes them; elsewhere ``bulk_create`` in
batches. Every ticket is open, in a queue whose default SLA has a first response time of
an hour; ``--due-percent`` of them were created hours ago and are due, the others were
created now (their next threshold lies ahead). The other columns take their defaults.

Figures: the sweep with the share due (claim, history rows, delivery tasks queued), a
second sweep with nothing left due, a sweep with a tenth of the share due (is the time
proportional to the due tickets?), the EXPLAIN of the sweep query (stderr), the delivery
of a sample (in-app notification and mail through the outbox per recipient), and the
median time to recompute one ticket: ``refresh`` alone, and ``apply`` as an action runs it
(refresh and store on the locked row, inside the transaction).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from bench.workloads import Figures, Workload, register

SLA_NAME = "Bench 1h"
NUMBER_PREFIX = "ESC"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--recompute-samples", type=int, default=2_000)
    parser.add_argument("--deliver-samples", type=int, default=200)
    parser.add_argument(
        "--reuse", action="store_true", help="keep bench tickets of an earlier run if present"
    )


def _round_the_clock() -> Any:
    from datetime import time as clock

    from sportello.sla.models import Calendar, WorkingHours

    calendar, created = Calendar.objects.get_or_create(
        name="Bench 24/7", defaults={"time_zone": "UTC"}
    )
    if created:
        for weekday in range(7):
            WorkingHours.objects.create(
                calendar=calendar, weekday=weekday, start=clock(0, 0), end=clock(0, 0)
            )
    return calendar


def _p(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def run(options: argparse.Namespace) -> Figures:
    from django.db import connection
    from django.utils import timezone

    from bench.reference import ensure_reference_data
    from sportello.sla.models import SLA
    from sportello.tickets.models import Ticket

    reference = ensure_reference_data(customers=50)
    queue = reference.queues[sorted(reference.queues)[0]]
    sla, _ = SLA.objects.get_or_create(
        name=SLA_NAME,
        defaults={"first_response_minutes": 60, "update_minutes": 0, "solution_minutes": 0},
    )
    # Round the clock: the figures must not depend on the hour the benchmark runs at (in
    # office hours' night the working-time clock stands still and nothing is due).
    sla.calendar = _round_the_clock()
    sla.save()
    queue.default_sla = sla
    queue.save()
    now = timezone.now()
    figures: Figures = {"database": connection.vendor, "tickets": options.tickets}
    existing = Ticket.objects.filter(number__startswith=NUMBER_PREFIX).count()
    if not (options.reuse and existing == options.tickets):
        started = time.perf_counter()
        _insert(options.tickets, queue.pk, reference, now)
        figures["insert_seconds"] = round(time.perf_counter() - started, 1)
    due = round(options.tickets * options.due_percent / 100)
    figures["due"] = due
    _make_due(due, now)
    _analyze()
    _explain(now)
    figures.update(_sweep("sweep", now))
    figures.update(_sweep("sweep_nothing_due", now))
    tenth = max(1, due // 10)
    _make_due(tenth, now)
    figures["due_tenth"] = tenth
    figures.update(_sweep("sweep_tenth", now))
    figures.update(_deliver(options.deliver_samples, reference))
    figures.update(_recompute(options.recompute_samples, now))
    return figures


def _defaults() -> dict[str, Any]:
    """Each ticket column's default, as the database stores it."""
    from django.db import connection

    from sportello.tickets.models import Ticket

    values: dict[str, Any] = {}
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        default = field.get_default()
        values[field.column] = field.get_db_prep_save(default, connection)
    return values


def _insert(count: int, queue_id: int, reference: Any, now: datetime) -> None:
    from django.db import connection, transaction

    from sportello.tickets.models import Ticket

    if Ticket.objects.filter(number__startswith=NUMBER_PREFIX).exists():
        raise SystemExit("bench tickets of another size exist; use --fresh (or --reuse)")
    agent = reference.agents[0]
    fixed = _defaults()
    fixed.update(
        title="Bench ticket",
        queue_id=queue_id,
        state_id=reference.states["open"].pk,
        priority_id=reference.priorities["3 normal"].pk,
        type_id=reference.types["Incident"].pk,
        lock="unlock",
        owner_id=agent.pk,
        created_by_id=reference.system.pk,
        changed_by_id=reference.system.pk,
        escalation_notified=0,
        sla_paused_minutes=0.0,
    )
    # created, changed and escalation_next_at per row: nothing due yet (the first
    # warning of a ticket created now lies ahead); _make_due moves some into the past.
    later = now + timedelta(days=30)
    if connection.vendor == "postgresql":
        columns = [c for c in fixed if c not in _PER_ROW]
        sql = (
            f"INSERT INTO {Ticket._meta.db_table} "
            f"(number, created, changed, escalation_next_at, {', '.join(columns)}) "
            f"SELECT %s || lpad(i::text, 8, '0'), %s, %s, %s, "
            f"{', '.join(['%s'] * len(columns))} FROM generate_series(1, %s) AS i"
        )
        params = [NUMBER_PREFIX, now, now, later, *(fixed[c] for c in columns), count]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    batch: list[Ticket] = []
    for i in range(1, count + 1):
        ticket = Ticket(
            number=f"{NUMBER_PREFIX}{i:08d}",
            created=now,
            changed=now,
            escalation_next_at=later,
            **{k: v for k, v in fixed.items() if k not in _PER_ROW},
        )
        batch.append(ticket)
        if len(batch) == 5_000 or i == count:
            with transaction.atomic():
                Ticket.objects.bulk_create(batch)
            batch = []


_PER_ROW = ("number", "created", "changed", "escalation_next_at")


def _make_due(count: int, now: datetime) -> None:
    """``count`` tickets spread over the table: created two hours ago, next threshold
    passed, nothing notified yet."""
    from django.db import transaction

    from sportello.tickets.models import Ticket

    ids = list(
        Ticket.objects.filter(number__startswith=NUMBER_PREFIX)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not count or not ids:
        return
    step = max(1, len(ids) // count)
    chosen = ids[::step][:count]
    with transaction.atomic():
        for start in range(0, len(chosen), 10_000):
            Ticket.objects.filter(id__in=chosen[start : start + 10_000]).update(
                created=now - timedelta(hours=3, minutes=start % 60),
                escalation_next_at=now - timedelta(minutes=1),
                escalation_notified=0,
                first_response_at=None,
                sla_paused_since=None,
            )


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")


def _explain(now: datetime) -> None:
    from django.db import connection, transaction

    from sportello.sla.jobs import _DUE_COLUMNS, BATCH_SIZE, _skip_locked
    from sportello.tickets.models import Ticket

    due = Ticket.objects.filter(escalation_next_at__lte=now).order_by("escalation_next_at")
    query = _skip_locked(due).values_list(*_DUE_COLUMNS)[:BATCH_SIZE]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN "
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = query.query.sql_with_params()
        cursor.execute(prefix + sql, params)
        plan = "\n".join(str(row[0]) if len(row) == 1 else str(row) for row in cursor.fetchall())
        transaction.set_rollback(True)
    print("EXPLAIN of the sweep query (first batch):\n" + plan, file=sys.stderr)


def _sweep(name: str, now: datetime) -> Figures:
    from sportello.sla import jobs
    from sportello.tickets.models import History

    before = History.objects.count()
    started = time.perf_counter()
    claimed = jobs.sweep_escalations(now)
    seconds = time.perf_counter() - started
    return {
        f"{name}_seconds": round(seconds, 3),
        f"{name}_claimed": claimed,
        f"{name}_history_rows": History.objects.count() - before,
    }


def _deliver(samples: int, reference: Any) -> Figures:
    """Run the delivery task's body for a sample, as a Huey consumer would."""
    from sportello.notifications.models import Notification
    from sportello.sla.jobs import deliver
    from sportello.sla.models import EscalationNotice
    from sportello.tickets.models import Ticket

    if not samples:
        return {}
    ids = list(
        Ticket.objects.filter(number__startswith=NUMBER_PREFIX)
        .order_by("id")
        .values_list("id", flat=True)[:samples]
    )
    notices = EscalationNotice.objects.bulk_create(
        EscalationNotice(ticket_id=pk, kind="escalation") for pk in ids
    )
    before = Notification.objects.count()
    started = time.perf_counter()
    deliver([notice.pk for notice in notices])
    seconds = time.perf_counter() - started
    return {
        "deliver_tickets": len(ids),
        "deliver_notifications": Notification.objects.count() - before,
        "deliver_ms_per_ticket": round(seconds / max(1, len(ids)) * 1000, 2),
    }


def _customer_contact(ticket: Any, at: datetime) -> None:
    ticket.update_start = at  # a follow-up restarts the update clock: a value to store


def _recompute(samples: int, now: datetime) -> Figures:
    from django.db import transaction

    from sportello.sla import services
    from sportello.tickets.models import Ticket

    ids = list(
        Ticket.objects.filter(number__startswith=NUMBER_PREFIX)
        .order_by("-id")
        .values_list("id", flat=True)[:samples]
    )
    pure: list[float] = []
    full: list[float] = []
    # As an action runs it: the ticket row locked with its queue and state, then the
    # due times refreshed and stored in the same transaction (``apply``, as the
    # in-transaction subscriber calls it), committed with the action's other changes.
    queryset = Ticket.objects.select_for_update(of=("self",)).select_related("queue", "state")
    for pk in ids:
        with transaction.atomic():
            ticket = queryset.get(pk=pk)
            services.attach_configuration(ticket)
            ticket.update_start = now
            started = time.perf_counter()
            services.refresh(ticket, now=now)
            pure.append(time.perf_counter() - started)
    for pk in ids:
        with transaction.atomic():
            ticket = queryset.get(pk=pk)
            started = time.perf_counter()
            services.apply(ticket, now=now, change=_customer_contact)
            full.append(time.perf_counter() - started)
    return {
        "recompute_samples": len(ids),
        "refresh_ms_median": round(statistics.median(pure) * 1000, 3),
        "refresh_ms_p95": round(_p(pure, 95) * 1000, 3),
        "apply_in_transaction_ms_median": round(statistics.median(full) * 1000, 3),
        "apply_in_transaction_ms_p95": round(_p(full, 95) * 1000, 3),
    }


register(
    Workload(
        name="escalation",
        help="escalation sweep over many open tickets; recompute of one ticket's due times",
        add_arguments=add_arguments,
        run=run,
    )
)
