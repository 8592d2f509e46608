"""Huey tasks of core (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.core import scheduler


@db_periodic_task(crontab(minute="*"))
def run_periodic_jobs() -> dict[str, int]:
    """Every minute: every registered job whose schedule matches, once per minute however
    many consumers run this."""
    return scheduler.run(claim_period=True)
