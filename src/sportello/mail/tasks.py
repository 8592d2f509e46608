"""Huey task polling the mail accounts (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

# The outbox tasks live in their own module; importing it here registers them with the
# consumer (``run_huey`` imports the ``tasks`` module of every app).
from sportello.mail import outbox_tasks
from sportello.mail.fetch import fetch_all

__all__ = ["FETCH_LOCK", "fetch_mail_accounts", "outbox_tasks"]

# Shared with ``sportello fetch_mail``: two consumers (or a consumer and the command)
# fetching the same account at once would file every message twice.
FETCH_LOCK = "mail-fetch"


@db_periodic_task(crontab(minute="*"))
@lock_task(FETCH_LOCK)
def fetch_mail_accounts() -> None:
    """Every minute: fetch each account whose poll interval has passed."""
    fetch_all()
