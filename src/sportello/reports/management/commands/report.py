"""``sportello report list`` and ``sportello report run ID [--param k=v] --format
csv|xlsx|pdf|json --output FILE [--agent LOGIN]``: statistics for automation. Without
``--agent`` a run counts every ticket (the system user); with it, what that agent may
read, in their time zone and language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from sportello.accounts.models import User
from sportello.core.errors import DomainError
from sportello.reports import exports, services
from sportello.reports.models import Statistic


class Command(BaseCommand):
    help = "List statistics or run one and write its result to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the statistics.")
        run = sub.add_parser("run", help="Run a statistic.")
        run.add_argument("id", type=int)
        run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        run.add_argument("--format", choices=exports.FORMATS, default="csv")
        run.add_argument("--output", required=True, help="File to write ('-': stdout).")
        run.add_argument("--agent", default="", help="Run as this agent (login).")
        run.add_argument("--semicolon", action="store_true", help="CSV with ';'.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for statistic in Statistic.objects.order_by("pk"):
                self.stdout.write(f"{statistic.pk}\t{statistic.kind}\t{statistic.name}")
            return
        agent = User.objects.get(is_system=True)
        if options["agent"]:
            agent = User.objects.filter(username=options["agent"]).first()  # type: ignore[assignment]
            if agent is None:
                raise CommandError(f"no agent {options['agent']!r}")
        params: dict[str, str] = {}
        for item in options["param"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param takes KEY=VALUE, not {item!r}")
            params[key.strip()] = value.strip()
        found = Statistic.objects.filter(pk=options["id"]).first()
        if found is None:
            raise CommandError(f"no statistic {options['id']}")
        statistic = found
        with translation.override(agent.language or "en"):
            try:
                result = services.run_now(statistic, agent, params)
                data = exports.export(result, options["format"], semicolon=options["semicolon"])
            except DomainError as error:
                raise CommandError(str(error)) from None
        if options["output"] == "-":
            self.stdout.write(data.decode("utf-8", "replace"))
        else:
            Path(options["output"]).write_bytes(data)
