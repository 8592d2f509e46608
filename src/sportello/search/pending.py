"""The queue of tickets whose search document is stale, kept in the database.

An article marks its ticket inside the action's transaction (one upsert, committed or
rolled back with the article); after commit a job queue task is asked to drain the queue,
and the minute job ``search-index`` drains whatever is left (a lost task, a process
started without the job queue such as the MTA pipe, see ``core.handoff``). Draining is
idempotent and needs no lock: several drains at once index a ticket twice at worst, and
a row is deleted only if its version is still the one that was indexed.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from sportello.core import handoff
from sportello.search.index import index_tickets
from sportello.search.models import PendingIndex

BATCH = 200


def mark(ticket_id: int) -> None:
    """Queue the ticket for indexing, in the caller's transaction."""
    table = connection.ops.quote_name(PendingIndex._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, version, queued) VALUES (%s, 1, %s)"  # noqa: S608
            f" ON CONFLICT (ticket_id) DO UPDATE SET version = {table}.version + 1,"
            " queued = excluded.queued",
            [ticket_id, timezone.now()],
        )


def mark_many(ticket_ids: list[int]) -> None:
    """``mark`` for a batch of tickets (an import), in the caller's transaction."""
    if not ticket_ids:
        return
    table = connection.ops.quote_name(PendingIndex._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (ticket_id, version, queued) VALUES (%s, 1, %s)"  # noqa: S608
            f" ON CONFLICT (ticket_id) DO UPDATE SET version = {table}.version + 1,"
            " queued = excluded.queued",
            [(ticket_id, now) for ticket_id in ticket_ids],
        )


_last_wake = -math.inf
_delayed_until = -math.inf


def wake() -> None:
    """Ask a job queue worker to drain the queue soon: at once, unless this process did
    within the last ``SPORTELLO_INDEX_WAKE_SECONDS``; then one drain is scheduled for the
    end of that window, which takes everything committed before it. A stream of articles
    thus costs two job queue writes per window, not one per article."""
    global _last_wake, _delayed_until
    if not handoff.after_commit:
        return  # the minute job drains it
    from sportello.search.tasks import drain_pending

    window = float(settings.SPORTELLO_INDEX_WAKE_SECONDS)
    now = time.monotonic()
    if now - _last_wake >= window:
        _last_wake = now
        drain_pending()
    elif _delayed_until <= now:
        _delayed_until = _last_wake + window
        drain_pending.schedule(delay=_delayed_until - now)


def drain(*, batch: int = BATCH, limit: int | None = None) -> int:
    """Index the queued tickets, oldest first, in batches; returns how many were indexed."""
    done = 0
    while limit is None or done < limit:
        rows = list(
            PendingIndex.objects.order_by("queued").values_list("ticket_id", "version")[:batch]
        )
        if not rows:
            break
        index_tickets([ticket_id for ticket_id, _ in rows])
        indexed = Q()
        for ticket_id, version in rows:
            indexed |= Q(ticket_id=ticket_id, version=version)
        PendingIndex.objects.filter(indexed).delete()
        done += len(rows)
        if len(rows) < batch:
            break  # the queue was emptied (what came since waits for its own wake-up)
    return done
