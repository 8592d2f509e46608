"""``sportello run_jobs``: the registered periodic jobs, for cron-style deployments."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sportello.core import scheduler


class Command(BaseCommand):
    help = "Run the periodic jobs (escalations, reminders, auto close, auto unlock, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run the jobs due now once, then exit"
        )
        parser.add_argument(
            "--all", action="store_true", help="run every job, whatever its schedule"
        )
        parser.add_argument(
            "--job", action="append", dest="jobs", metavar="NAME", help="only this job"
        )
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        registry = scheduler.jobs()
        if options["list"]:
            for name in registry:
                self.stdout.write(name)
            return
        names = options["jobs"]
        if names:
            unknown = sorted(set(names) - set(registry))
            if unknown:
                raise CommandError(f"unknown job: {', '.join(unknown)}")
        while True:
            results = scheduler.run(
                timezone.now(), names=names, force=options["all"], claim_period=not options["all"]
            )
            for name, count in results.items():
                self.stdout.write(f"{name}: {count}")
            if options["once"]:
                if any(count < 0 for count in results.values()):
                    raise CommandError("a job failed; see the log")
                return
            # Next run at the start of the next minute, as cron would.
            time.sleep(60 - time.time() % 60)
