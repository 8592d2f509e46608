"""Tickets with the articles the zoom tests need."""

from __future__ import annotations

from typing import Any

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Ticket
from tests.tickets.factories import customer_mail, make_ticket

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def html_mail(html: str, **overrides: Any) -> ArticleInput:
    values: dict[str, Any] = {
        "body": "plain version",
        "body_html": html,
        "raw_source": b"From: max@example.org\r\nSubject: WLAN\r\n\r\nraw body \xc3\xa4\r\n",
    }
    values.update(overrides)
    return customer_mail(**values)


def ticket_with_articles(queue: Queue, actor: Actor, count: int, **overrides: Any) -> Ticket:
    """A ticket of ``count`` articles: mails with an attachment, notes, phone calls."""
    ticket = make_ticket(queue, actor, **overrides)
    for n in range(2, count + 1):
        kind = n % 3
        if kind == 0:
            data = ArticleInput(channel="internal", sender_type="agent", body=f"note {n}")
        elif kind == 1:
            data = customer_mail(
                body=f"mail {n}",
                body_html=f"<p>mail <b>{n}</b></p>",
                raw_source=f"Subject: {n}\r\n\r\nmail {n}\r\n".encode(),
                attachments=[AttachmentInput(f"file{n}.txt", "text/plain", b"x" * n)],
            )
        else:
            data = ArticleInput(
                channel="phone", sender_type="customer", visible_for_customer=True, body=f"call {n}"
            )
        actions.add_article(ticket, data, actor=actor)
    return ticket
