"""Counting attempts per scope and key in a time window (login throttling, rate limits).

Database rows rather than a process-local cache: every web process and host sees the
same counts.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sportello.portal.models import Attempt

KEEP = timedelta(days=1)


def count(scope: str, key: str, window: timedelta) -> int:
    since = timezone.now() - window
    return Attempt.objects.filter(scope=scope, key=key[:300], created__gte=since).count()


def exceeded(scope: str, key: str, *, limit: int, window: timedelta) -> bool:
    return count(scope, key, window) >= limit


def hit(scope: str, key: str) -> None:
    now = timezone.now()
    Attempt.objects.create(scope=scope, key=key[:300], created=now)
    # Old rows are of no use to any window; whoever writes clears a few.
    stale = Attempt.objects.filter(created__lt=now - KEEP).values_list("pk", flat=True)[:100]
    Attempt.objects.filter(pk__in=list(stale)).delete()


def clear(scope: str, key: str) -> None:
    Attempt.objects.filter(scope=scope, key=key[:300]).delete()
