"""Periodic jobs of the agent interface, run by the scheduler of ``sportello.sla``."""

from __future__ import annotations

from datetime import datetime

from huey import crontab

from sportello.core.scheduler import periodic_job


@periodic_job("form-uploads", schedule=crontab(minute="20"))
def form_uploads(now: datetime) -> int:
    """Every hour: delete the uploads of forms that were never sent."""
    from sportello.web.uploads import purge_stale

    return purge_stale(now)
