"""Huey tasks of the outbox: send right after commit, and sweep for anything left behind."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from sportello.mail import outbox


@db_task(retries=0)
def send_outbox_message(pk: int) -> str | None:
    return outbox.send_one(pk)


@db_periodic_task(crontab(minute="*"))
@lock_task("outbox-sweep")
def sweep_outbox() -> None:
    outbox.send_due()
