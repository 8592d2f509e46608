"""``sportello agent add LOGIN --email E [--first-name F] [--last-name L] [--password-stdin]``
and ``sportello agent show LOGIN``: idempotent agent provisioning for scripts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts import provisioning
from sportello.accounts.management.commands._common import read_password
from sportello.core.errors import DomainError


class Command(BaseCommand):
    help = "Add agents and show their permissions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create or update one agent.")
        add.add_argument("login")
        add.add_argument("--email", required=True)
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
        show = sub.add_parser("show", help="List an agent's effective permissions.")
        show.add_argument("login")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "add":
                password = read_password() if options["password_stdin"] else None
                agent, created = provisioning.add_agent(
                    options["login"],
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    password=password,
                )
                self.stdout.write(f"agent {agent.username} {'created' if created else 'updated'}")
            else:
                agent = provisioning.get_agent(options["login"])
                for group, permission, source in provisioning.describe(agent):
                    self.stdout.write(f"{group}\t{permission}\t{source}")
        except DomainError as error:
            raise CommandError(str(error)) from None
