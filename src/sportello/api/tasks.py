"""Huey tasks of the API (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=0)
def deliver_webhook(pk: int) -> bool:
    """The first attempt of a webhook delivery, right after the event's commit; retries
    are the minute job's (``api.jobs``), with their growing waits."""
    from sportello.api.webhooks import attempt

    return attempt(pk)
