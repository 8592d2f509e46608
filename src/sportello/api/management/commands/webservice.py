"""``sportello webservice import FILE.yml --name NAME``: a GenericInterface webservice
from Znuny's export (its operations and routes), created or replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.api.genericinterface.webservices import import_webservice
from sportello.core.errors import DomainError


class Command(BaseCommand):
    help = "Import a GenericInterface webservice from a Znuny webservice export (YAML)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("import", help="Create or replace a webservice from a YAML file.")
        load.add_argument("file", type=Path)
        load.add_argument("--name", required=True, help="the <Name> of its URLs")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        try:
            result = import_webservice(text, name=options["name"])
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"webservice {result.webservice.name}: {', '.join(result.operations) or '-'}"
        )
        for operation in result.skipped:
            self.stderr.write(f"left out (not served here): {operation}")
