"""Periodic jobs of the tickets app, run by the scheduler of ``sportello.sla``."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection
from huey import crontab

from sportello.core.scheduler import periodic_job

logger = logging.getLogger(__name__)


@periodic_job("database-statistics", schedule=crontab(minute="15", hour="3"))
def database_statistics(now: datetime) -> int:
    """Every night on SQLite: refresh the planner's statistics (``PRAGMA optimize``).
    Without them SQLite picks the ``(queue, state)`` index for every overview filter
    and reads all of a queue's tickets, closed ones too (measured 190 ms instead of
    14 ms for the dashboard's per-day counts at 100,000 tickets). PostgreSQL keeps its
    statistics itself (autovacuum)."""
    if connection.vendor != "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("PRAGMA optimize=0x10002")
    return 1


@periodic_job("ticket-tallies", schedule=crontab(minute="45", hour="3"))
def ticket_tallies(now: datetime) -> int:
    """Every night: check the ticket tallies behind the overview counts and repair any
    difference (the triggers keep them exact; this catches a restore of one table
    without the other, or triggers dropped by hand). Returns the differences found."""
    from sportello.tickets import tallies

    # A first look without blocking ticket writes; the repair recounts under a lock.
    if not tallies.check():
        return 0
    differences = tallies.check(repair=True)
    for diff in differences:
        logger.warning("ticket tally %s was %s, tickets %s", diff.key, diff.tally, diff.actual)
    return len(differences)
