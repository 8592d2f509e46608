"""Ticket numbers for bulk-created tickets, from the same daily counters the real path uses.

``sportello.tickets.numbers`` advances a day's counter by one per ticket with an atomic
upsert. Here one upsert per day and batch advances it by the number of tickets the batch
creates on that day, and the block ``value - n + 1 … value`` belongs to the batch. The
counter row stays locked until the batch commits (as in the real path), and a rolled-back
batch rolls its reservation back too, so numbers never collide with ones that
``actions.create_ticket`` hands out before, during or after a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from sportello.tickets.models import TicketCounter
from sportello.tickets.numbers import format_number


def reserve_counter_block(system_id: str, day: str, count: int) -> int:
    """Advance the day's counter by ``count``; return the first value of the block."""
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (system_id, day, value) VALUES (%s, %s, %s) "
            f"ON CONFLICT (system_id, day) DO UPDATE SET value = {table}.value + %s "
            "RETURNING value",
            [system_id, day, count, count],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]) - count + 1


def ticket_numbers(created: Sequence[datetime]) -> list[str]:
    """One number per creation time, in the given order; must run inside the
    transaction that inserts the tickets."""
    system_id = str(settings.SPORTELLO_SYSTEM_ID)
    # The day in the local time zone, as next_ticket_number takes it.
    days = [timezone.localtime(when).strftime("%Y%m%d") for when in created]
    following: dict[str, int] = {}
    # Days in ascending order: two concurrent generators lock counter rows in the same
    # order and cannot deadlock.
    for day, count in sorted(Counter(days).items()):
        following[day] = reserve_counter_block(system_id, day, count)
    numbers = []
    for day in days:
        numbers.append(format_number(day, system_id, following[day]))
        following[day] += 1
    return numbers
