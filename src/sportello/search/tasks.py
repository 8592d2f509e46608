"""Huey tasks of the search app (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sportello.search.index import index_tickets


@db_task()
def index_ticket(ticket_id: int) -> None:
    index_tickets([ticket_id])
