"""Periodic jobs of the reports app."""

from __future__ import annotations

from datetime import datetime

from huey import crontab

from sportello.core.scheduler import periodic_job
from sportello.reports import schedules, services


@periodic_job("report-schedules")
def deliver_scheduled_reports(now: datetime) -> int:
    """Every minute: mail the scheduled reports that are due."""
    return schedules.deliver_due(now)


@periodic_job("report-runs-purge", schedule=crontab(minute="17"))
def purge_statistic_runs(now: datetime) -> int:
    """Every hour: drop expired cached results."""
    return services.purge_runs(now)
