"""``sportello ticket show NUMBER --json``, ``sportello ticket list --json`` and
``sportello ticket set NUMBER --type T --title "…" --service S --sla S``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.core.errors import DomainError
from sportello.tickets import selectors
from sportello.tickets.management import setting


class Command(BaseCommand):
    help = "Show or list tickets (for scripts: --json)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        show = sub.add_parser("show", help="Show one ticket with articles and history.")
        show.add_argument("number")
        show.add_argument("--json", action="store_true", dest="as_json")
        listing = sub.add_parser("list", help="List tickets, newest first.")
        listing.add_argument("--queue")
        listing.add_argument("--state")
        listing.add_argument("--limit", type=int, default=100)
        listing.add_argument("--json", action="store_true", dest="as_json")
        setting.add_parser(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "set":
            setting.handle(self, options)
            return
        try:
            if options["subcommand"] == "show":
                ticket = selectors.ticket_by_number(options["number"])
                data: Any = selectors.ticket_detail(ticket)
            else:
                if options["limit"] < 0:
                    raise CommandError("--limit must not be negative")
                data = [
                    selectors.ticket_summary(t)
                    for t in selectors.ticket_list(
                        queue=options["queue"], state=options["state"], limit=options["limit"]
                    )
                ]
        except DomainError as error:
            raise CommandError(str(error)) from None
        if options["as_json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self._write_text(data)

    def _write_text(self, data: Any) -> None:
        rows = data if isinstance(data, list) else [data]
        for row in rows:
            self.stdout.write(
                f"{row['number']}  {row['state']:<22} {row['queue']:<30} {row['title']}"
            )
        if isinstance(data, dict):
            for article in data["articles"]:
                self.stdout.write(
                    f"  #{article['number']} {article['channel']}/{article['sender_type']}"
                    f" {article['from']} {article['subject']}"
                )
            for row in data["history"]:
                self.stdout.write(f"  {row['created']} {row['actor']}: {row['text']}")
