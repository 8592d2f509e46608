"""A small registry of periodic jobs, run every minute by Huey (``core.tasks``) or by
``sportello run_jobs --once`` from cron.

Any app registers its jobs in a module ``<app>/jobs.py`` (found at first use)::

    from huey import crontab
    from sportello.core.scheduler import periodic_job

    @periodic_job("search-archive", schedule=crontab(minute="30", hour="2"))
    def archive(now: datetime) -> int: ...

A job takes the current time and returns how many items it handled. Every job must be
idempotent and safe with several consumers at once. Started by the job queue or by cron
(``claim=True``), a job runs once per minute however many consumers or hosts ask: the
first to insert its ``PeriodicRun`` row for that minute runs it, the others skip it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey import crontab

logger = logging.getLogger(__name__)

JobFunction = Callable[[datetime], int]
Schedule = Callable[[datetime], bool]
EVERY_MINUTE: Schedule = crontab(minute="*")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: JobFunction
    schedule: Schedule

    def is_due(self, now: datetime) -> bool:
        # crontab() compares the local wall clock.
        return bool(self.schedule(timezone.localtime(now).replace(tzinfo=None)))


_JOBS: dict[str, PeriodicJob] = {}
_discovered = False


def periodic_job(
    name: str, *, schedule: Schedule = EVERY_MINUTE
) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        _JOBS[name] = PeriodicJob(name, function, schedule)
        return function

    return register


def jobs() -> dict[str, PeriodicJob]:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True
    return dict(sorted(_JOBS.items()))


KEEP_RUNS = timedelta(days=2)


def claim(name: str, now: datetime) -> bool:
    """Is this process the one to run ``name`` for the minute of ``now``?"""
    from sportello.core.models import PeriodicRun

    period = now.replace(second=0, microsecond=0)
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=name, period=period)
    except IntegrityError:
        return False
    return True


def run(
    now: datetime | None = None,
    *,
    names: Iterable[str] | None = None,
    force: bool = False,
    claim_period: bool = False,
) -> dict[str, int]:
    """Run the jobs due at ``now`` (all named ones when ``force``); a failing job is
    logged and does not stop the others. Returns the items each job handled (-1: failed).
    ``claim_period``: skip a job another process already ran for this minute."""
    now = now or timezone.now()
    if claim_period:
        from sportello.core.models import PeriodicRun

        PeriodicRun.objects.filter(period__lt=now - KEEP_RUNS).delete()
    registry = jobs()
    chosen = list(names) if names is not None else list(registry)
    unknown = [name for name in chosen if name not in registry]
    if unknown:
        raise KeyError(", ".join(unknown))
    results: dict[str, int] = {}
    for name in chosen:
        job = registry[name]
        if not force and not job.is_due(now):
            continue
        if claim_period and not claim(name, now):
            continue
        try:
            results[name] = job.run(now)
            logger.info("periodic job %s ran for %s: %d", name, f"{now:%H:%M}", results[name])
        except Exception:
            logger.exception("periodic job %s failed", name)
            results[name] = -1
    return results
