"""Periodic jobs of the search app, run by the scheduler of ``sportello.sla``."""

from __future__ import annotations

from datetime import datetime

from huey import crontab

from sportello.core.scheduler import periodic_job
from sportello.search import pending
from sportello.search.archive import flag_archived


@periodic_job("search-archive", schedule=crontab(minute="30", hour="2"))
def archive(now: datetime) -> int:
    """Every night: flag closed tickets that have not changed for the archive period."""
    return flag_archived(now)


@periodic_job("search-index")
def index_pending(now: datetime) -> int:
    """Every minute: index what the tasks after commit left (a lost task, the MTA pipe)."""
    return pending.drain()
