"""Inserting a standard template into an article dialog or the new phone ticket form:
its text rendered for the ticket (or, before it exists, for the chosen customer and
queue), its attachments into the form's upload cache.

The template is admin-written text and is rendered (customer name, ticket number, agent,
queue …) in the customer's language; what the agent then types is never rendered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import override

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.mail.actions import fill_template
from sportello.mail.compose import person, render_text
from sportello.mail.context import by_address
from sportello.mail.models import StandardTemplate, TemplateType
from sportello.queues.models import Queue
from sportello.tickets.models import Ticket
from sportello.web import uploads


@dataclass
class Inserted:
    template: StandardTemplate
    text: str
    subject: str


def insert(
    ticket: Ticket, kind: str, template_id: str, *, agent: User, form_id: str
) -> Inserted | None:
    """The chosen template rendered for ``ticket`` (only a valid template of ``kind``
    assigned to the ticket's queue; anything else is None), its attachments added to
    the form ``form_id``. A template that cannot be rendered raises ``InvalidInput``."""
    if not kind or not template_id.isdigit():
        return None
    template = (
        StandardTemplate.objects.filter(pk=int(template_id), type=kind, valid=True)
        .filter(queues=ticket.queue)
        .first()
    )
    if template is None:
        return None
    text = fill_template(ticket, template.text, agent=agent)
    subject = fill_template(ticket, template.subject, agent=agent) if template.subject else ""
    uploads.add_template_attachments(agent, form_id, template)
    return Inserted(template, text, subject)


def create_templates(queue: Queue | None) -> list[StandardTemplate]:
    """Create templates for a new ticket: those of the chosen queue and those assigned
    to no queue (as the email ticket form accepts them)."""
    found = StandardTemplate.objects.filter(type=TemplateType.CREATE, valid=True)
    if queue is not None:
        found = found.filter(Q(queues=queue) | Q(queues=None))
    return list(found.distinct().order_by("name"))


def insert_for_new_ticket(
    template_id: str, *, agent: User, form_id: str, queue: Queue | None, customer: str
) -> Inserted | None:
    """A Create template for a ticket that does not exist yet: the customer (login or
    address as typed), the agent and the queue are known, the ticket number is not."""
    if not template_id.isdigit():
        return None
    template = next((t for t in create_templates(queue) if t.pk == int(template_id)), None)
    if template is None:
        return None
    record = (
        CustomerUser.objects.filter(login=customer).first() or by_address(customer).first()
        if customer
        else None
    )
    customer_vars = (
        person(record.first_name, record.last_name, record.email, record.login)
        if record is not None
        else person(email=customer if "@" in customer else "", login=customer)
    )
    queue_name = queue.full_name if queue is not None else ""
    context: dict[str, Any] = {
        "customer": customer_vars,
        "agent": person(agent.first_name, agent.last_name, agent.email, agent.username),
        "ticket": {"number": "", "queue": queue_name},
        "queue": queue_name,
        "config": {"ticket_hook": settings.SPORTELLO_TICKET_HOOK},
    }
    language = record.language if record is not None and record.language else None
    with override(language or settings.LANGUAGE_CODE):
        text = render_text(template.text, context)
    uploads.add_template_attachments(agent, form_id, template)
    return Inserted(template, text, "")
