"""Archiving: closed tickets left alone for ``SPORTELLO_ARCHIVE_AFTER_DAYS`` are flagged
``archived``; lists and searches leave them out unless the search asks for them.

The flag is a search filter, not a move: the ticket keeps its rows. No history row and
no event: archiving changes no attribute an agent sees on the ticket. A ticket that is
changed again (a follow-up reopens it) is un-flagged by the same job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sportello.tickets.models import StateType, Ticket

ARCHIVED_STATE_TYPES = (StateType.CLOSED, StateType.MERGED, StateType.REMOVED)


def archive_cutoff(now: datetime | None = None) -> datetime:
    days = int(settings.SPORTELLO_ARCHIVE_AFTER_DAYS)
    return (now or timezone.now()) - timedelta(days=days)


def flag_archived(now: datetime | None = None) -> int:
    """Flag what is due and un-flag what came back to life; returns the tickets flagged.
    Idempotent and safe to run in parallel: plain set-based UPDATEs."""
    cutoff = archive_cutoff(now)
    flagged = Ticket.objects.filter(
        archived=False, state__type__in=ARCHIVED_STATE_TYPES, changed__lt=cutoff
    ).update(archived=True)
    Ticket.objects.filter(archived=True).exclude(
        state__type__in=ARCHIVED_STATE_TYPES, changed__lt=cutoff
    ).update(archived=False)
    return flagged
