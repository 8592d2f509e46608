"""A ticket from a phone call: the customer's words as its first article."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.core.events import publish
from sportello.queues.models import Queue
from sportello.tickets import events, rich_text
from sportello.tickets.actions.create import create_ticket
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import (
    Channel,
    DynamicField,
    Priority,
    SenderType,
    State,
    Ticket,
    TicketType,
)


def create_phone_ticket(
    *,
    title: str,
    queue: Queue,
    actor: Actor,
    text: str,
    customer_user_id: str = "",
    customer_company_id: str = "",
    from_address: str = "",
    attachments: Sequence[AttachmentInput] = (),
    state: State | None = None,
    priority: Priority | None = None,
    type: TicketType | None = None,
    owner: User | None = None,
    responsible: User | None = None,
    pending_until: datetime | None = None,
    dynamic_fields: Mapping[DynamicField, Any] | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
    content_type: str = rich_text.PLAIN,
) -> Ticket:
    """The customer's call as a phone article of a new ticket. The customer is mailed
    only when the queue has a "new ticket" auto-response (``PhoneTicketCreated``).
    ``text`` is HTML with ``content_type="text/html"`` (cleaned here)."""
    written = rich_text.from_input(text, content_type)
    if written.empty:
        raise InvalidInput(_("The text is empty."))
    with transaction.atomic():
        ticket = create_ticket(
            title=title,
            queue=queue,
            actor=actor,
            state=state,
            priority=priority,
            type=type,
            owner=owner,
            responsible=responsible,
            customer_user_id=customer_user_id,
            customer_company_id=customer_company_id,
            pending_until=pending_until,
            dynamic_fields=dynamic_fields,
            article=ArticleInput(
                channel=Channel.PHONE,
                sender_type=SenderType.CUSTOMER,
                visible_for_customer=True,
                from_address=from_address,
                subject=title,
                body=written.text,
                body_html=written.html,
                # Any object with these three (the web form's outgoing attachments).
                attachments=[
                    *(AttachmentInput(a.filename, a.content_type, a.content) for a in attachments),
                    *written.images,
                ],
                dynamic_fields=article_fields or {},
            ),
        )
        article_id = ticket.articles.values_list("pk", flat=True).get(number=1)
        publish(
            events.PhoneTicketCreated(
                ticket_id=ticket.pk,
                actor_id=actor.user.pk,
                channel=actor.channel,
                article_id=article_id,
            ),
            subject=ticket,
        )
    return ticket
