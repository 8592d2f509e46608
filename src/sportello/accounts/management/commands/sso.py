"""``sportello sso whois LOGIN [--group VALUE ...]``: what the directories and the group
map make of one person, without their logging in (``sportello.accounts.whois``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts.whois import whois


class Command(BaseCommand):
    help = "Single sign-on: check the mapping for one user."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        cmd = sub.add_parser("whois", help="Show the directory entry, groups, roles and grants.")
        cmd.add_argument("login")
        cmd.add_argument(
            "--group",
            action="append",
            default=[],
            help="a group value an identity provider sends (OIDC groups, SAML entitlement)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["login"].strip():
            raise CommandError("give a login")
        result = whois(options["login"], groups=options["group"])
        self.stdout.write("\n".join(result.lines()))
