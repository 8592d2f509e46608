"""``sportello search_index --rebuild``: index every ticket again (``--ticket N`` for one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.search.index import index_tickets, rebuild
from sportello.tickets.models import Ticket


class Command(BaseCommand):
    help = "Rebuild the full-text search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="index every ticket")
        parser.add_argument(
            "--ticket", action="append", default=[], help="index this ticket number (repeatable)"
        )
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ticket"]:
            ids = list(
                Ticket.objects.filter(number__in=options["ticket"]).values_list("pk", flat=True)
            )
            if len(ids) != len(set(options["ticket"])):
                raise CommandError(_("Unknown ticket number."))
            count = index_tickets(ids)
        elif options["rebuild"]:
            if options["batch_size"] < 1:
                raise CommandError(_("The batch size must be at least 1."))

            def progress(done: int, total: int) -> None:
                if options["verbosity"] > 1:
                    self.stderr.write(f"{done}/{total}")

            count = rebuild(batch_size=options["batch_size"], progress=progress)
        else:
            raise CommandError(_("Say what to index: --rebuild or --ticket NUMBER."))
        self.stdout.write(_("%(count)d tickets indexed.") % {"count": count})
