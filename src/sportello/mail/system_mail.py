"""Mail the system itself writes to a customer on a ticket (auto-responses, customer
notifications): an automatic article of sender type system plus its outbox entry, in one
transaction (``mail.actions.send_email_article``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from sportello.core.actor import Actor
from sportello.mail.actions import send_email_article, thread_headers
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Ticket


def send_system_mail(
    ticket: Ticket,
    *,
    recipient: str,
    subject: str,
    body: str,
    history_type: HistoryType,
    kind: str,
    answered: Article | None = None,
    headers: Mapping[str, str] | None = None,
    history_comment: str = "",
) -> Article | None:
    address = ticket.queue.system_address
    if address is None or not address.valid:
        return None
    in_reply_to, references = thread_headers(answered)
    with transaction.atomic():
        return send_email_article(
            ticket,
            actor=Actor.system(channel="mail"),
            to=[recipient],
            cc=[],
            subject=subject,
            body=body,
            history_type=history_type,
            in_reply_to=in_reply_to,
            references=references,
            history_comment=history_comment,
            kind=kind,
            headers=headers,
            is_automatic=True,
        )
