"""Template tags of the action menu and the dynamic-field sidebar."""

from __future__ import annotations

from typing import Any

from django import template

from sportello.accounts import permissions
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


@register.simple_tag
def ticket_permissions(ticket: Ticket, user: Any) -> dict[str, bool]:
    """What ``user`` may do on the ticket's queue, asked once per permission type, so the
    menu offers only what the permission module allows."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return {p: permissions.may(user, p, ticket.queue) for p in permissions.PERMISSION_TYPES}


@register.simple_tag(takes_context=True)
def is_watching(context: Any, ticket: Ticket, user: Any) -> bool:
    zoom = context.get("zoom")
    if zoom is not None and zoom.ticket.pk == ticket.pk:
        return bool(zoom.watching)  # the zoom has asked already
    return bool(getattr(user, "pk", None)) and ticket.watchers.filter(agent_id=user.pk).exists()
