"""``sportello token create LOGIN --name N [--scope read|write|admin|customer]
[--expires DAYS]`` (prints the token once; with the customer scope LOGIN is a customer
user's), ``sportello token list LOGIN [--customer]``, ``sportello token revoke ID``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.accounts import provisioning
from sportello.api import tokens
from sportello.api.models import Scope
from sportello.core.errors import DomainError
from sportello.customers.models import CustomerUser


class Command(BaseCommand):
    help = "Create, list and revoke personal API tokens of agents and customer users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("login")
        create.add_argument("--name", required=True)
        create.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        create.add_argument("--expires", type=int, metavar="DAYS")
        listing = sub.add_parser("list", help="List an agent's tokens (never their values).")
        listing.add_argument("login")
        listing.add_argument("--customer", action="store_true", help="LOGIN is a customer user.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "create":
                if options["scope"] == Scope.CUSTOMER:
                    customer = _customer(options["login"])
                    new = tokens.create_customer_token(
                        customer, name=options["name"], expires_in_days=options["expires"]
                    )
                    owner = customer.login
                else:
                    agent = provisioning.get_agent(options["login"])
                    new = tokens.create_token(
                        agent,
                        name=options["name"],
                        scope=options["scope"],
                        expires_in_days=options["expires"],
                    )
                    owner = agent.username
                self.stdout.write(new.secret)
                self.stderr.write(
                    f"token {new.token.pk} ({new.token.scope}) for {owner}: "
                    "shown only now, store it safely"
                )
            elif options["subcommand"] == "list":
                holder: Any = (
                    _customer(options["login"])
                    if options["customer"]
                    else provisioning.get_agent(options["login"])
                )
                for token in tokens.tokens_of(holder):
                    self.stdout.write("\t".join(_row(token)))
            else:
                token = tokens.revoke_token(options["id"])
                self.stdout.write(f"token {token.pk} revoked")
        except DomainError as error:
            raise CommandError(str(error)) from None


def _customer(login: str) -> CustomerUser:
    found = CustomerUser.objects.filter(login__iexact=login).first()
    if found is None:
        raise CommandError(f"no customer user {login}")
    return found


def _row(token: Any) -> list[str]:
    def when(value: Any) -> str:
        return value.isoformat(timespec="seconds") if value else "-"

    status = "revoked" if token.revoked else "active"
    return [
        str(token.pk),
        token.name,
        f"{token.prefix}…",
        token.scope,
        f"created {when(token.created)}",
        f"expires {when(token.expires)}",
        f"last used {when(token.last_used)}",
        status,
    ]
