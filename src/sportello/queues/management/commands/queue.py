"""``sportello queue add NAME --group GROUP [--system-address ADDR]``: create a queue
(and missing parents of ``A::B`` names), idempotent; an existing queue gets the group
and sender address given.

``sportello queue rename OLD NEW``: rename or move a queue by full names (``Dept3`` to
``Department``, ``IT::Print`` to ``Services::Print``); sub-queues follow. Idempotent."""

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
        rename = sub.add_parser("rename", help="Rename or move a queue with its sub-queues.")
        rename.add_argument("old", help="current full name, e.g. IT::Print")
        rename.add_argument("new", help="new full name; its parent must exist")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "rename":
                queue, changed = services.rename_by_full_name(options["old"], options["new"])
                self.stdout.write(
                    f"queue {queue.full_name} {'renamed' if changed else 'unchanged'}"
                )
                return
            queue, created = services.add_queue(
                options["name"], group=options["group"], system_address=options["system_address"]
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"queue {queue.full_name} {'created' if created else 'updated'}")
