"""``sportello ticket set``: type, title, service and SLA of one ticket, through
``actions.change_attributes``. Idempotent: values the ticket has change nothing."""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.sla.models import SLA, Service
from sportello.tickets import actions, selectors
from sportello.tickets.models import TicketType

ATTRIBUTES = ("type", "title", "service", "sla")


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "set", help="Change type, title, service or SLA of a ticket."
    )
    parser.add_argument("number")
    parser.add_argument("--type", dest="ticket_type", help="ticket type by name")
    parser.add_argument("--title")
    parser.add_argument("--service", help='service by full name ("" removes it)')
    parser.add_argument("--sla", help='SLA by name ("" removes the ticket\'s own SLA)')
    parser.add_argument("--note", default="", help="an internal note to go with the change")
    parser.add_argument(
        "--agent", help="act as this agent (with their permissions); default: the system"
    )
    parser.add_argument("--json", action="store_true", dest="as_json")


def _named(model: Any, field: str, value: str, what: str) -> Any:
    found = model.objects.filter(**{field: value.strip()}).first()
    if found is None:
        raise CommandError(f"unknown {what} {value!r}")
    return found


def _actor(login: str | None) -> Actor:
    if login is None:
        return Actor.system(channel="cli")
    user = User.objects.filter(username=login, is_active=True, is_system=False).first()
    if user is None:
        raise CommandError(f"unknown agent {login!r}")
    return Actor(user=user, channel="cli")


def handle(command: BaseCommand, options: dict[str, Any]) -> None:
    values: dict[str, Any] = {}
    if options["ticket_type"] is not None:
        values["ticket_type"] = _named(TicketType, "name", options["ticket_type"], "type")
    if options["title"] is not None:
        values["title"] = options["title"]
    if options["service"] is not None:
        service = options["service"].strip()
        values["service"] = _named(Service, "full_name", service, "service") if service else None
    if options["sla"] is not None:
        sla = options["sla"].strip()
        values["sla"] = _named(SLA, "name", sla, "SLA") if sla else None
    if not values and not options["note"].strip():
        raise CommandError("nothing to set: give --type, --title, --service or --sla")
    actor = _actor(options["agent"])
    try:
        ticket = selectors.ticket_by_number(options["number"])
        before = selectors.ticket_summary(ticket)
        actions.change_attributes(
            ticket, actor=actor, note_body=options["note"], note_subject="", **values
        )
        after = selectors.ticket_summary(selectors.ticket_by_number(ticket.number))
    except DomainError as error:
        raise CommandError(str(error)) from None
    changed = [name for name in ATTRIBUTES if before[name] != after[name]]
    if options["as_json"]:
        command.stdout.write(
            json.dumps({**after, "changed": changed}, ensure_ascii=False, indent=2)
        )
    elif changed:
        for name in changed:
            command.stdout.write(f"{after['number']}: {name} {before[name]!r} -> {after[name]!r}")
    else:
        command.stdout.write(f"{after['number']}: unchanged")
