"""Huey tasks of the search app (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from sportello.search.archive import flag_archived
from sportello.search.index import index_tickets


@db_task()
def index_ticket(ticket_id: int) -> None:
    index_tickets([ticket_id])


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("search-archive")
def flag_archived_nightly() -> int:
    """Every night: flag closed tickets that have not changed for the archive period."""
    return flag_archived()
