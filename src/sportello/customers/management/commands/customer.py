"""``sportello customer add LOGIN --email E [--company C] [--password-stdin]`` and
``sportello customer import FILE.csv``: idempotent, for scripts and automation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.core.errors import DomainError
from sportello.customers import services


class Command(BaseCommand):
    help = "Add or import customer users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create or update one customer user.")
        add.add_argument("login")
        add.add_argument("--email", required=True)
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument("--phone", default="")
        add.add_argument("--company", default="", help="customer ID of the company")
        add.add_argument("--language", default="", choices=services.LANGUAGES)
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
        imp = sub.add_parser("import", help="Import customer users from a CSV file.")
        imp.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "add":
                self._add(options)
            else:
                self._import(options["file"])
        except DomainError as error:
            raise CommandError(str(error)) from None

    def _add(self, options: dict[str, Any]) -> None:
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("no password on stdin")
        customer, created = services.add_customer(
            options["login"],
            email=options["email"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            phone=options["phone"],
            company=options["company"],
            language=options["language"],
            password=password,
        )
        verb = "created" if created else "updated"
        self.stdout.write(f"customer {customer.login} {verb}")

    def _import(self, path: Path) -> None:
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                report = services.import_csv(stream)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text") from None
        for line in report.errors:
            self.stderr.write(line)
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {len(report.errors)} errors"
        )
        if report.errors:
            raise CommandError("some rows were not imported")
