"""Auto-responses to incoming mail (receipt, follow-up, reject, new after closed, too large).

Never to automatic mail (auto-submitted, bulk, lists, bounces: flagged by mail-in), never
to our own addresses, at most SPORTELLO_AUTO_RESPONSES_PER_DAY per sender and day. Each
one is an article (sender type system) with its history row, and leaves via the outbox
with ``Auto-Submitted: auto-replied`` and our ``X-Loop``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from sportello.core.events import subscribe
from sportello.mail import outbox, selectors
from sportello.mail.compose import answer_subject, build_message, new_message_id, render_text
from sportello.mail.context import customer_language, template_context
from sportello.mail.events import MailFiled, MailTooLarge
from sportello.mail.models import AutoResponse, AutoResponseType, OutboxKind, OutboxMessage
from sportello.mail.system_mail import send_system_mail
from sportello.queues import selectors as queues_selectors
from sportello.queues.models import Queue
from sportello.tickets.events import PhoneTicketCreated
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Ticket

logger = logging.getLogger(__name__)
AUTO_HEADERS = {
    "Auto-Submitted": "auto-replied",
    "Precedence": "bulk",
    "X-Auto-Response-Suppress": "All",
}


def choose(queue: Queue | None, response_type: str, language: str) -> AutoResponse | None:
    """The queue's response of that type in the customer's language, else a neutral one."""
    candidates = AutoResponse.objects.filter(type=response_type, valid=True)
    if queue is not None:
        candidates = candidates.filter(queues=queue)
    by_language = {r.language: r for r in candidates.order_by("-id")}
    return (
        by_language.get(language)
        or by_language.get("")
        or by_language.get(settings.LANGUAGE_CODE)
        or next(iter(by_language.values()), None)
    )


def may_answer(address: str) -> bool:
    address = address.strip().lower()
    if not address or "@" not in address:
        return False
    if queues_selectors.is_system_address(address):
        return False  # never answer ourselves: that is how loops start
    since = timezone.now() - timedelta(days=1)
    sent = OutboxMessage.objects.filter(
        kind=OutboxKind.AUTO_RESPONSE, primary_recipient=address, created__gte=since
    ).count()
    return sent < settings.SPORTELLO_AUTO_RESPONSES_PER_DAY


def _sender_address(article: Article) -> str:
    from email.utils import parseaddr

    return parseaddr(article.reply_to or article.from_address)[1]


def send_auto_response(ticket: Ticket, article: Article, response_type: str) -> Article | None:
    if article.is_automatic:
        return None
    recipient = _sender_address(article)
    if not may_answer(recipient):
        return None
    language = customer_language(ticket)
    response = choose(ticket.queue, response_type, language)
    address = ticket.queue.system_address
    if response is None or address is None:
        return None
    context = template_context(ticket)
    context["article"] = {"subject": article.subject, "from": article.from_address}
    with override(response.language or language):
        subject = answer_subject(ticket.number, render_text(response.subject, context), prefix="")
        body = render_text(response.text, context)
    return send_system_mail(
        ticket,
        recipient=recipient,
        subject=subject,
        body=body,
        history_type=HistoryType.SEND_AUTO_REPLY,
        kind=OutboxKind.AUTO_RESPONSE,
        answered=article,
        headers=AUTO_HEADERS,
    )


@subscribe(MailFiled)
def on_mail_filed(event: MailFiled) -> None:
    if not event.auto_response or event.quiet or event.ticket_id is None:
        return
    if event.queue_id is not None and not selectors.offers_auto_response(
        event.queue_id, event.auto_response
    ):
        return  # most queues answer nothing: skip reading the ticket, sender and customer
    ticket = Ticket.objects.select_related("queue__system_address").get(pk=event.ticket_id)
    if not selectors.offers_auto_response(ticket.queue_id, event.auto_response):
        return
    article = Article.objects.get(pk=event.article_id)
    send_auto_response(ticket, article, event.auto_response)


@subscribe(PhoneTicketCreated)
def on_phone_ticket(event: PhoneTicketCreated) -> None:
    """A phone ticket's customer gets the queue's "new ticket" auto-response."""
    if event.ticket_id is None:
        return
    ticket = Ticket.objects.select_related("queue__system_address").get(pk=event.ticket_id)
    article = Article.objects.get(pk=event.article_id)
    send_auto_response(ticket, article, AutoResponseType.NEW_TICKET)


@subscribe(MailTooLarge)
def on_mail_too_large(event: MailTooLarge) -> None:
    """Tell the sender, without a ticket: the message itself waits in the spool."""
    if not may_answer(event.sender):
        return
    raw_queue = Queue.objects.filter(full_name="Raw").select_related("system_address").first()
    response = choose(raw_queue, "too_large", settings.LANGUAGE_CODE)
    address = raw_queue.system_address if raw_queue else None
    if response is None or address is None:
        logger.warning("no auto-response of type too_large; sender %s not told", event.sender)
        return
    context = {
        "subject": event.subject,
        "size": event.size,
        "limit": settings.SPORTELLO_MAIL_MAX_SIZE,
    }
    message_id = new_message_id()
    raw = build_message(
        sender=(address.display_name, address.email),
        to=[event.sender],
        subject=render_text(response.subject, context),
        body=render_text(response.text, context),
        message_id=message_id,
        headers=AUTO_HEADERS,
    )
    with transaction.atomic():
        outbox.enqueue(
            kind=OutboxKind.AUTO_RESPONSE,
            raw=raw,
            envelope_from=address.email,
            recipients=[event.sender],
            message_id=message_id,
        )
