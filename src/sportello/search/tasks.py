"""Huey tasks of the search app (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sportello.search import pending


@db_task()
def drain_pending() -> None:
    # A busy stream of articles queues many of these; all but the first find the queue
    # empty (one query).
    pending.drain(limit=10 * pending.BATCH)
