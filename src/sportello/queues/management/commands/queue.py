"""``sportello queue add NAME --group GROUP [--system-address ADDR]``: create a queue
(and missing parents of ``A::B`` names), idempotent; an existing queue gets the group
and sender address given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.core.errors import DomainError
from sportello.queues import services


class Command(BaseCommand):
    help = "Add queues."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create or update a queue.")
        add.add_argument("name", help="full name, e.g. IT::Network")
        add.add_argument("--group", required=True)
        add.add_argument("--system-address", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            queue, created = services.add_queue(
                options["name"], group=options["group"], system_address=options["system_address"]
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"queue {queue.full_name} {'created' if created else 'updated'}")
