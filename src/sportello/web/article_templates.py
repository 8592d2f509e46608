"""Inserting a standard template into an article dialog: its text rendered for this
ticket, its attachments into the form's upload cache.

The template is admin-written text and is rendered (customer name, ticket number, agent,
queue …) in the customer's language; what the agent then types is never rendered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import override

from sportello.accounts.models import User
from sportello.mail.compose import render_text
from sportello.mail.context import customer_language, template_context
from sportello.mail.models import StandardTemplate
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
    context = template_context(ticket, agent=agent)
    with override(customer_language(ticket)):
        text = render_text(template.text, context)
        subject = render_text(template.subject, context) if template.subject else ""
    uploads.add_template_attachments(agent, form_id, template)
    return Inserted(template, text, subject)
