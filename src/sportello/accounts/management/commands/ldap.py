"""``sportello ldap sync``: every directory agent's attributes, activity, roles and
grants read again from the directories (``sportello.accounts.ldap``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts import ldap


class Command(BaseCommand):
    help = "Synchronise the agents from the LDAP directories."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("sync", help="Re-read every directory agent, their roles and grants.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not ldap.enabled():
            raise CommandError("no agent directory configured (SPORTELLO_AGENT_LDAP)")
        report = ldap.sync()
        self.stdout.write(f"{report.updated} agents updated, {report.deactivated} deactivated")
