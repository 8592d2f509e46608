"""Template tags of the action menu and the dynamic-field sidebar."""

from __future__ import annotations

from typing import Any

from django import template

from sportello.tickets import dynamic_fields
from sportello.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def ticket_dynamic_fields(ticket: Ticket) -> list[tuple[Any, str]]:
    """(field, shown value) of every ticket field that holds a value (one query each for
    the fields and the values)."""
    return dynamic_fields.display(ticket)


@register.simple_tag
def locked_by_other(ticket: Ticket, user: Any) -> bool:
    return bool(ticket.is_locked and ticket.owner_id != getattr(user, "pk", None))
