"""``sportello group add NAME``, ``sportello group grant|revoke GROUP (--agent LOGIN |
--role ROLE) --permission P``: idempotent, with clear errors."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts import provisioning
from sportello.accounts.models import Permission
from sportello.core.errors import DomainError


class Command(BaseCommand):
    help = "Add groups and grant permissions on them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add = sub.add_parser("add", help="Create a group.")
        add.add_argument("name")
        add.add_argument("--comment", default="")
        for verb in ("grant", "revoke"):
            cmd = sub.add_parser(verb, help=f"{verb.capitalize()} a permission on a group.")
            cmd.add_argument("group")
            who = cmd.add_mutually_exclusive_group(required=True)
            who.add_argument("--agent")
            who.add_argument("--role")
            cmd.add_argument("--permission", required=True, choices=Permission.values)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "add":
                group, created = provisioning.add_group(options["name"], comment=options["comment"])
                self.stdout.write(f"group {group.name} {'created' if created else 'exists'}")
                return
            group = provisioning.get_group(options["group"])
            agent = provisioning.get_agent(options["agent"]) if options["agent"] else None
            role = provisioning.get_role(options["role"]) if options["role"] else None
            who = f"agent {agent.username}" if agent else f"role {role.name}"  # type: ignore[union-attr]
            permission = options["permission"]
            if options["subcommand"] == "grant":
                changed = provisioning.grant(group, permission, agent=agent, role=role)
                state = "granted" if changed else "already granted"
            else:
                changed = provisioning.revoke(group, permission, agent=agent, role=role)
                state = "revoked" if changed else "was not granted"
            self.stdout.write(f"{permission} on {group.name} for {who}: {state}")
        except DomainError as error:
            raise CommandError(str(error)) from None
