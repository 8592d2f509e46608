"""Mail the system itself writes to a customer on a ticket (auto-responses, customer
notifications): an article of sender type system plus its outbox entry, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from sportello.core.actor import Actor
from sportello.mail import outbox
from sportello.mail.compose import build_message, new_message_id
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Channel, SenderType, Ticket


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
    message_id = new_message_id()
    in_reply_to = answered.message_id if answered else ""
    references = (
        " ".join(filter(None, [answered.references, answered.message_id])) if (answered) else ""
    )
    raw = build_message(
        sender=(address.display_name, address.email),
        to=[recipient],
        subject=subject,
        body=body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        headers=headers,
    )
    with transaction.atomic():
        article = actions.add_article(
            ticket,
            ArticleInput(
                channel=Channel.EMAIL,
                sender_type=SenderType.SYSTEM,
                visible_for_customer=True,
                from_address=str(address),
                to_address=recipient,
                subject=subject,
                body=body,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                raw_source=raw,
                is_automatic=True,
                history_type=history_type,
                history_comment=history_comment,
            ),
            actor=Actor.system(channel="mail"),
        )
        outbox.enqueue(
            kind=kind,
            raw=raw,
            envelope_from=address.email,
            recipients=[recipient],
            message_id=message_id,
            article=article,
        )
    return article
