"""A ticket from a phone call, created by the actions layer: its first article, its
history and the event mail-out answers with the queue's receipt."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.core.events import DomainEvent
from sportello.queues.models import Queue
from sportello.tickets import actions, events
from sportello.tickets.articles import AttachmentInput
from sportello.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_phone_ticket_and_its_event(
    queue: Queue,
    actor: Actor,
    published: list[DomainEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_phone_ticket(
            title="Drucker",
            queue=queue,
            actor=actor,
            text="Der Drucker druckt {{ nichts }}.",
            customer_user_id="max@example.org",
            from_address="Max <max@example.org>",
            attachments=[AttachmentInput("notiz.txt", "text/plain", b"E42")],
        )
    article = ticket.articles.get()
    assert (article.channel, article.sender_type, article.number) == ("phone", "customer", 1)
    assert article.body == "Der Drucker druckt {{ nichts }}."
    assert article.attachments.get().filename == "notiz.txt"
    assert list(ticket.history.order_by("id").values_list("type", flat=True)) == [
        "NewTicket",
        "PhoneCallCustomer",
    ]
    (event,) = [e for e in published if isinstance(e, events.PhoneTicketCreated)]
    assert (event.ticket_id, event.article_id, event.actor_id) == (
        ticket.pk,
        article.pk,
        actor.user.pk,
    )


def test_a_phone_ticket_needs_a_text(queue: Queue, actor: Actor) -> None:
    with pytest.raises(InvalidInput, match="The text is empty"):
        actions.create_phone_ticket(title="Drucker", queue=queue, actor=actor, text="  \n")
    assert not Ticket.objects.exists()
