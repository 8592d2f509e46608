"""``sportello fetch_mail``: fetch the IMAP/POP3 accounts now, one line per account.

Exit code 1 when an account failed (connection, login, database), 75 (EX_TEMPFAIL) when
another fetch holds the lock.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from sportello.mail.fetch import fetch_all
from sportello.mail.tasks import FETCH_LOCK

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Fetch mail from the IMAP and POP3 accounts into tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", metavar="NAME", help="Fetch only this account.")
        parser.add_argument(
            "--due",
            action="store_true",
            help="Only accounts whose poll interval has passed (for running from cron).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["account"]
        try:
            with HUEY.lock_task(FETCH_LOCK):
                reports = fetch_all(name, force=not options["due"])
        except TaskLockedException:
            self.stderr.write("another mail fetch is running; try again later")
            sys.exit(EX_TEMPFAIL)
        except DatabaseError as error:
            raise CommandError(f"database unavailable: {error}") from error
        if name is not None and not reports:
            raise CommandError(f"no valid mail account named {name!r}")
        for report in reports:
            style = self.style.SUCCESS if report.ok else self.style.ERROR
            self.stdout.write(style(report.summary()))
        failed = sum(not report.ok for report in reports)
        if failed:
            raise CommandError(f"{failed} of {len(reports)} mail accounts failed")
