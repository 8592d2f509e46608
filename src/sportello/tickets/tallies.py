"""Ticket tallies: counts per queue, state, lock, priority and type (``TicketTally``).

Database triggers keep the rows (migration ``tickets.0010``); this module reads them
for the overviews and checks them against the tickets (``sportello tally``, the
nightly ``ticket-tallies`` job). Reads sum a handful of rows per readable queue,
whatever the number of tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

from sportello.tickets.models import Ticket, TicketTally

KEY = ("queue_id", "state_id", "lock", "priority_id", "type_id")


def per_queue_and_state(rows: QuerySet[TicketTally]) -> dict[int, dict[int, int]]:
    """{queue id: {state id: tickets}} of ``rows`` (zeros left out)."""
    result: dict[int, dict[int, int]] = {}
    grouped = rows.order_by().values("queue_id", "state_id").annotate(s=Sum("n"))
    for row in grouped.values_list("queue_id", "state_id", "s"):
        if row[2]:
            result.setdefault(row[0], {})[row[1]] = int(row[2])
    return result


@dataclass(frozen=True)
class Difference:
    key: tuple[Any, ...]
    tally: int
    actual: int


def _actual() -> dict[tuple[Any, ...], int]:
    rows = Ticket.objects.order_by().values(*KEY).annotate(c=Count("pk"))
    return {tuple(r[k] for k in KEY): int(r["c"]) for r in rows}


def _tallied() -> dict[tuple[Any, ...], int]:
    return {
        tuple(r[k] for k in KEY): int(r["n"])
        for r in TicketTally.objects.order_by().values(*KEY, "n")
    }


def check(*, repair: bool = False) -> list[Difference]:
    """The combinations whose tally differs from a count of the tickets; with
    ``repair`` the tallies are set to the counts (and rows of zero dropped) while ticket
    writes wait (PostgreSQL: a share lock on the ticket table; SQLite: the write
    transaction)."""
    with transaction.atomic():
        if repair and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        actual, tallied = _actual(), _tallied()
        differences = [
            Difference(key, tallied.get(key, 0), actual.get(key, 0))
            for key in sorted(set(actual) | set(tallied), key=str)
            if tallied.get(key, 0) != actual.get(key, 0)
        ]
        if repair:
            for diff in differences:
                values = dict(zip(KEY, diff.key, strict=True))
                TicketTally.objects.update_or_create(**values, defaults={"n": diff.actual})
            TicketTally.objects.filter(n=0).delete()
    return differences
