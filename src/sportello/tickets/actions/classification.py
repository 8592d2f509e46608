"""Type, title, service and SLA changed together with an optional note: the attribute
dialogs and ``sportello ticket set``."""

from __future__ import annotations

from enum import Enum

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.sla.models import SLA, Service
from sportello.tickets.actions._base import _locked_ticket
from sportello.tickets.actions.attributes import set_service, set_sla, set_title, set_type
from sportello.tickets.actions.create import add_article
from sportello.tickets.actions.dialogs import _note_input
from sportello.tickets.models import Ticket, TicketType


class Keep(Enum):
    """Leave the attribute as it is (None already means "remove the service/SLA")."""

    KEEP = "keep"


KEEP = Keep.KEEP


def change_attributes(
    ticket: Ticket,
    *,
    actor: Actor,
    ticket_type: TicketType | None = None,
    title: str | None = None,
    service: Service | Keep | None = KEEP,
    sla: SLA | Keep | None = KEEP,
    note_body: str = "",
    note_subject: str = "",
) -> Ticket:
    """Change the given attributes in one transaction: one history row each that
    changes, the internal note first. The service is set before the SLA, so the SLA is
    checked against the new service; any refusal leaves the ticket as it was."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        if note_body.strip():
            data = _note_input(actor, note_body, note_subject or str(_("Note")))
            add_article(current, data, actor=actor)
        if ticket_type is not None:
            current = set_type(current, ticket_type, actor=actor)
        if title is not None:
            current = set_title(current, title, actor=actor)
        if service is not KEEP:
            current = set_service(current, service, actor=actor)
        if sla is not KEEP:
            current = set_sla(current, sla, actor=actor)
    return current
