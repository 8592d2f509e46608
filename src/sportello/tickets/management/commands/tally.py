"""``sportello tally [--repair]``: check the ticket tallies against the tickets."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sportello.tickets import tallies


class Command(BaseCommand):
    help = (
        "Compare the ticket tallies behind the overview counts with a count of the "
        "tickets; --repair sets them right."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="set the tallies right")

    def handle(self, *args: Any, **options: Any) -> None:
        differences = tallies.check(repair=options["repair"])
        for diff in differences:
            self.stdout.write(f"{diff.key}: tally {diff.tally}, tickets {diff.actual}")
        done = " (repaired)" if options["repair"] and differences else ""
        self.stdout.write(f"{len(differences)} difference(s){done}")
