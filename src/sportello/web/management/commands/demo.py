"""``sportello demo --tickets N``: N more demo tickets with a three-month history."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.web.demo import create_demo_data
from sportello.web.demo_tickets import create_demo_tickets


class Command(BaseCommand):
    help = "Create the demo data (once) and N more demo tickets for trying Sportello at scale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=300, help="how many tickets")
        parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["tickets"]
        if count < 0:
            raise CommandError("--tickets must be 0 or more.")
        create_demo_data()
        started = time.monotonic()
        seed = options["seed"] if options["seed"] is not None else int(time.time())
        made = create_demo_tickets(count, seed=seed)
        seconds = time.monotonic() - started
        self.stdout.write(f"{made} demo tickets created in {seconds:.1f} s (seed {seed}).")
