"""``sportello role add NAME [--admin-area AREA ...]`` and ``sportello role assign|remove
ROLE --agent LOGIN``: idempotent role provisioning."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts import provisioning
from sportello.accounts.models import AdminArea
from sportello.core.errors import DomainError


class Command(BaseCommand):
    help = "Add roles and give them to agents."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create a role (or set its administration areas).")
        add.add_argument("name")
        add.add_argument("--comment", default="")
        add.add_argument(
            "--admin-area",
            action="append",
            choices=AdminArea.values,
            help="an area the role's agents may administer for their queues (repeatable)",
        )
        for verb in ("assign", "remove"):
            cmd = sub.add_parser(verb, help=f"{verb.capitalize()} a role of an agent.")
            cmd.add_argument("role")
            cmd.add_argument("--agent", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "add":
                role, created = provisioning.add_role(
                    options["name"], comment=options["comment"], admin_areas=options["admin_area"]
                )
                self.stdout.write(f"role {role.name} {'created' if created else 'exists'}")
                return
            role = provisioning.get_role(options["role"])
            agent = provisioning.get_agent(options["agent"])
            if options["subcommand"] == "assign":
                done = provisioning.assign_role(role, agent)
                state = "assigned" if done else "already assigned"
            else:
                done = provisioning.remove_role(role, agent)
                state = "removed" if done else "was not assigned"
            self.stdout.write(f"role {role.name} for agent {agent.username}: {state}")
        except DomainError as error:
            raise CommandError(str(error)) from None
