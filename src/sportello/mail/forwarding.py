"""Article actions that send mail: reply (all), forward and bounce.

Reply and the zoom's answer form share ``answer``, built on ``mail.actions.send_answer``
(salutation, signature, quote, outbox); forward sends through the same
``send_email_article``; bounce queues the original bytes and lets
``actions.record_bounce`` write the ticket's side. Master tickets pass each answer on to
their slaves' customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import getaddresses
from html import escape
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.core.sanitize import sanitize
from sportello.mail import outbox
from sportello.mail.actions import (
    inline_attachments,
    send_answer,
    send_email_article,
    sender_of,
    take_lock_to_send,
)
from sportello.mail.compose import (
    OutgoingAttachment,
    answer_subject,
    new_message_id,
)
from sportello.mail.context import customer_address
from sportello.mail.html_text import html_to_text
from sportello.mail.models import OutboxKind, StandardTemplate, TemplateType
from sportello.queues.models import SystemAddress
from sportello.tickets import actions, rich_text
from sportello.tickets.articles import raw_message
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, DynamicField, SenderType, State, Ticket


def templates_for(ticket: Ticket, kind: str = TemplateType.ANSWER) -> list[StandardTemplate]:
    """The valid templates of ``kind`` assigned to the ticket's queue."""
    return list(
        StandardTemplate.objects.filter(type=kind, valid=True, queues=ticket.queue).order_by("name")
    )


def addresses(value: str) -> list[str]:
    """Plain addresses from a header value (``Name <a@b>, c@d``)."""
    return [email for _name, email in getaddresses([value]) if "@" in email]


def _system_addresses() -> set[str]:
    return {a.lower() for a in SystemAddress.objects.values_list("email", flat=True)}


def reply_recipients(article: Article, *, reply_all: bool) -> tuple[list[str], list[str]]:
    """To and Cc of a reply: the sender (Reply-To first); for reply-all also the other
    recipients, without the helpdesk's own addresses and without duplicates."""
    own = _system_addresses()
    to = addresses(article.reply_to or article.from_address)
    if article.sender_type != SenderType.CUSTOMER or not to:
        to = addresses(article.to_address) or to
    to = [a for a in to if a.lower() not in own]
    cc: list[str] = []
    if reply_all:
        seen = {a.lower() for a in to}
        for address in addresses(article.to_address) + addresses(article.cc_address):
            if address.lower() not in own and address.lower() not in seen:
                seen.add(address.lower())
                cc.append(address)
    return to, cc


def attachments_of(article: Article) -> list[OutgoingAttachment]:
    result = []
    for attachment in article.attachments.filter(inline=False):
        with attachment.file.open("rb") as handle:
            result.append(
                OutgoingAttachment(attachment.filename, attachment.content_type, handle.read())
            )
    return result


def answer(
    ticket: Ticket,
    *,
    actor: Actor,
    text: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    reply_to: Article | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    next_state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
    subject: str | None = None,
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """The one answer path (the reply dialogs, the zoom's answer form and the API): the
    answer to ``reply_to`` (quoted when given, salutation and signature added, with the
    answer's article dynamic fields); on a master ticket the same text goes to every
    slave's customer. Callers run it inside ``actions.editing`` so a stale form is
    refused."""
    with transaction.atomic():
        sent = send_answer(
            ticket,
            actor=actor,
            text=text,
            to=to,
            cc=cc,
            subject=subject,
            reply_to=reply_to,
            attachments=attachments,
            next_state=next_state,
            pending_until=pending_until,
            article_fields=article_fields,
            accounted_minutes=accounted_minutes,
            content_type=content_type,
        )
        for slave in actions.slaves_of(ticket):
            recipient = customer_address(slave)
            if recipient:
                send_answer(
                    slave,
                    actor=actor,
                    text=text,
                    to=[recipient],
                    next_state=next_state,
                    pending_until=pending_until,
                    content_type=content_type,
                )
    return sent


def reply(
    article: Article,
    *,
    actor: Actor,
    text: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    keep_attachments: bool = False,
    next_state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """Answer ``article`` (see ``answer``), with its attachments when asked and the
    agent's ``attachments`` after them."""
    kept = [*(attachments_of(article) if keep_attachments else []), *attachments]
    return answer(
        article.ticket,
        actor=actor,
        text=text,
        to=to,
        cc=cc,
        reply_to=article,
        attachments=kept,
        next_state=next_state,
        pending_until=pending_until,
        article_fields=article_fields,
        accounted_minutes=accounted_minutes,
        content_type=content_type,
    )


def _valid(recipients: Sequence[str]) -> list[str]:
    cleaned = [a.strip() for a in recipients if a and a.strip()]
    if not cleaned:
        raise InvalidInput(_("Enter at least one recipient."))
    for address in cleaned:
        if "@" not in address or any(c in address for c in "\r\n<>,; "):
            raise InvalidInput(_("Invalid email address: %(address)s"), address=address)
    return cleaned


def _forward_header(article: Article) -> list[str]:
    created = timezone.localtime(article.created, timezone.get_default_timezone())
    when = formats.date_format(created, "DATETIME_FORMAT")
    header = [
        "---- " + str(_("Forwarded message")) + " ----",
        f"{_('From')}: {article.from_address}",
        f"{_('Date')}: {when}",
        f"{_('Subject')}: {article.subject}",
    ]
    if article.to_address:
        header.append(f"{_('To')}: {article.to_address}")
    return header


def forward_body(article: Article, text: str) -> str:
    parts = [text.rstrip(), "\n".join(_forward_header(article)), article.body.rstrip()]
    return "\n\n".join(p for p in parts if p) + "\n"


def forward_html(article: Article, html: str) -> str:
    """``forward_body`` for the agent's cleaned HTML: the forwarded mail with its
    formatting (its own ``cid:`` images dropped)."""
    header = "<br>".join(escape(line) for line in _forward_header(article))
    if article.body_html:
        inner = sanitize(article.body_html, cid_url=lambda cid: None, load_external=True).html
    else:
        inner = rich_text.text_to_html(article.body)
    return f"{html}\n<p>{header}</p>\n{inner}"


def forward(
    article: Article,
    *,
    actor: Actor,
    to: Sequence[str],
    cc: Sequence[str] = (),
    text: str = "",
    keep_attachments: bool = True,
    attachments: Sequence[OutgoingAttachment] = (),
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """Forward ``article`` with its attachments (and the agent's ``attachments``) to any
    address; stored as an internal email article (it goes to a third party, not to the
    customer)."""
    recipients_to, recipients_cc = _valid(to), [a.strip() for a in cc if a.strip()]
    if recipients_cc:
        _valid(recipients_cc)
    written = rich_text.from_input(text, content_type)
    html = forward_html(article, written.html) if written.html else ""
    body = html_to_text(html) + "\n" if html else forward_body(article, text)
    kept = [
        *inline_attachments(written),
        *(attachments_of(article) if keep_attachments else []),
        *attachments,
    ]
    with actions.holding(article.ticket) as current:
        current = take_lock_to_send(current, actor)
        created = send_email_article(
            current,
            actor=actor,
            to=recipients_to,
            cc=recipients_cc,
            subject=answer_subject(
                current.number, article.subject or current.title, prefix="Fwd: "
            ),
            body=body,
            body_html=html,
            attachments=kept,
            # It goes to a third party, not to the customer.
            visible_for_customer=False,
            history_type=HistoryType.FORWARD,
            history_comment=", ".join(recipients_to + recipients_cc),
            accounted_minutes=accounted_minutes,
        )
    return created


def bounce(article: Article, *, actor: Actor, to: str) -> None:
    """Redirect the original message, byte for byte, to another address (the envelope
    changes, the message does not). One Bounce history row (``actions.record_bounce``)."""
    recipient = _valid([to])[0]
    raw = raw_message(article)
    if raw is None:
        raise InvalidInput(_("Only email articles with their original message can be bounced."))
    with actions.holding(article.ticket) as current:
        current = take_lock_to_send(current, actor)
        _display_name, sender = sender_of(current.queue)
        outbox.enqueue(
            kind=OutboxKind.BOUNCE,
            raw=raw,
            envelope_from=sender,
            recipients=[recipient],
            message_id=article.message_id or new_message_id(),
            ticket=current,
            created_by=actor.user,
        )
        actions.record_bounce(current, article, actor=actor, to=recipient)
