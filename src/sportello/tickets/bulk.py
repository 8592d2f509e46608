"""Bulk actions of the overviews: one action applied to each selected ticket.

Each ticket is read through ``permissions.visible_tickets`` (a ticket the agent may not
see is reported as not found) and changed by the matching function of
``tickets.actions``, which checks the permission on the ticket's queue and writes the
history. Each ticket is its own transaction: one refusal does not undo the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sportello.accounts import permissions
from sportello.core.errors import DomainError, InvalidInput
from sportello.tickets import actions
from sportello.tickets.models import Ticket

if TYPE_CHECKING:
    from sportello.core.actor import Actor

BULK_ACTIONS = (
    "lock",
    "unlock",
    "move",
    "state",
    "priority",
    "type",
    "service",
    "sla",
    "owner",
    "responsible",
    "note",
    "merge",
    "link",
)


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _target(actor: Actor, number: str) -> Ticket:
    found = permissions.visible_tickets(actor.user, Ticket.objects.filter(number=number)).first()
    if found is None:
        raise InvalidInput(_("Ticket %(number)s was not found."), number=number)
    return found


# Actions setting one value: the parameter and the action. An SLA is refused for each
# ticket whose service does not offer it.
_SETTERS: dict[str, tuple[str, Callable[..., Any]]] = {
    "type": ("ticket_type", actions.set_type),
    "service": ("service", actions.set_service),
    "sla": ("sla", actions.set_sla),
}


def _operation(action: str, actor: Actor, params: dict[str, Any]) -> Callable[[Ticket], Any]:
    """The function applying ``action`` to one ticket; input is checked here, once."""

    def need(key: str) -> Any:
        value = params.get(key)
        if value is None or value == "":
            raise InvalidInput(_("This bulk action needs a value for %(field)s."), field=key)
        return value

    if action == "lock":
        return lambda t: actions.lock(t, actor=actor)
    if action == "unlock":
        return lambda t: actions.unlock(t, actor=actor)
    if action == "move":
        queue = need("queue")
        return lambda t: actions.move(t, queue, actor=actor)
    if action == "state":
        state = need("state")
        until: datetime | None = params.get("pending_until")
        return lambda t: actions.set_state(t, state, actor=actor, pending_until=until)
    if action == "priority":
        priority = need("priority")
        return lambda t: actions.set_priority(t, priority, actor=actor)
    if action in _SETTERS:
        key, setter = _SETTERS[action]
        value = need(key)
        return lambda t: setter(t, value, actor=actor)
    if action == "owner":
        owner = need("owner")
        return lambda t: actions.set_owner(t, owner, actor=actor)
    if action == "responsible":
        responsible = need("responsible")
        return lambda t: actions.set_responsible(t, responsible, actor=actor)
    if action == "note":
        body = need("body")
        subject = params.get("subject") or ""
        return lambda t: actions.note(t, actor=actor, body=body, subject=subject)
    if action == "merge":
        target = _target(actor, need("target"))
        return lambda t: actions.merge(t, target, actor=actor)
    if action == "link":
        target = _target(actor, need("target"))
        return lambda t: actions.link(t, target, actor=actor)
    raise InvalidInput(_("Unknown bulk action."))


def apply(actor: Actor, ticket_ids: list[int], action: str, **params: Any) -> BulkResult:
    """Apply ``action`` to every ticket of ``ticket_ids`` the actor may see. Raises
    ``InvalidInput`` for a bad action or missing value before touching any ticket."""
    if not ticket_ids:
        raise InvalidInput(_("Select at least one ticket."))
    operation = _operation(action, actor, params)
    tickets = permissions.visible_tickets(
        actor.user, Ticket.objects.filter(pk__in=ticket_ids).select_related("queue")
    ).order_by("pk")
    result = BulkResult()
    found = {t.pk: t for t in tickets}
    for pk in sorted(set(ticket_ids)):
        ticket = found.get(pk)
        if ticket is None:
            result.failed.append((str(pk), _("not found")))
            continue
        try:
            operation(ticket)
        except DomainError as error:
            result.failed.append((ticket.number, str(error)))
        else:
            result.done.append(ticket.number)
    return result
