"""Ticket numbers in OTRS's DateChecksum form: YYYYMMDD + system id + counter + check digit."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from sportello.tickets.models import TicketCounter

COUNTER_MIN_WIDTH = 5


def check_digit(digits: str) -> int:
    """Weights 1, 2, 1, 2 … from the left; products summed (not their digit sums);
    10 - sum mod 10, where 10 becomes 1."""
    total = sum(int(digit) * (1 if index % 2 == 0 else 2) for index, digit in enumerate(digits))
    result = 10 - total % 10
    return 1 if result == 10 else result


def format_number(day: str, system_id: str, counter: int) -> str:
    body = f"{day}{system_id}{counter:0{COUNTER_MIN_WIDTH}d}"
    return f"{body}{check_digit(body)}"


def is_valid_number(number: str) -> bool:
    return (
        number.isdigit()
        and len(number) >= 8 + 1 + COUNTER_MIN_WIDTH + 1
        and check_digit(number[:-1]) == int(number[-1])
    )


def _next_counter(system_id: str, day: str) -> int:
    # One atomic upsert: the row stays locked until the caller's transaction ends, so
    # concurrent creators queue here (PostgreSQL row lock; SQLite's write lock).
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (system_id, day, value) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (system_id, day) DO UPDATE SET value = {table}.value + 1 "
            "RETURNING value",
            [system_id, day],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def next_ticket_number(now: datetime | None = None) -> str:
    """Must run inside the transaction that inserts the ticket."""
    # The system's day, whatever zone the acting agent has chosen for display.
    local = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    day = local.strftime("%Y%m%d")
    system_id = str(settings.SPORTELLO_SYSTEM_ID)
    return format_number(day, system_id, _next_counter(system_id, day))


def continue_after(numbers: list[str]) -> int:
    """Raise the daily counters past imported numbers of this system id (DateChecksum
    form), so that new tickets of those days never take an old number. Returns how many
    days were raised. Must run inside the transaction that stores those tickets."""
    system_id = str(settings.SPORTELLO_SYSTEM_ID)
    highest: dict[str, int] = {}
    for number in numbers:
        if not is_valid_number(number) or number[8 : 8 + len(system_id)] != system_id:
            continue
        day, counter = number[:8], int(number[8 + len(system_id) : -1])
        highest[day] = max(highest.get(day, 0), counter)
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        for day, value in highest.items():
            cursor.execute(
                f"INSERT INTO {table} (system_id, day, value) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (system_id, day) DO UPDATE SET value = "
                f"CASE WHEN {table}.value < excluded.value THEN excluded.value "
                f"ELSE {table}.value END",
                [system_id, day, value],
            )
    return len(highest)
