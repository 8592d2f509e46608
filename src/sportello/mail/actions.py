"""Mail-out actions: answers, email tickets and forwards leave as email articles via the
outbox.

``send_email_article`` writes the article and its outbox entry in one transaction (the
message goes out only if the article is stored, and is stored only if it will go out);
``take_lock_to_send`` is what each needs first. An answer reads its ticket row once
(``actions.holding``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape as html_escape
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.core.sanitize import sanitize
from sportello.mail import outbox
from sportello.mail.compose import (
    OutgoingAttachment,
    answer_subject,
    build_message,
    new_message_id,
    quote,
    render_text,
)
from sportello.mail.context import customer_language, template_context
from sportello.mail.html_text import html_to_text
from sportello.mail.models import OutboxKind
from sportello.queues.models import Queue
from sportello.tickets import actions, rich_text
from sportello.tickets import selectors as tickets_selectors
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Channel, SenderType, State, StateType, Ticket

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.mail.models import StandardTemplate
    from sportello.tickets.models import DynamicField, Priority, TicketType


def sender_of(queue: Queue) -> tuple[str, str]:
    address = queue.system_address
    if address is None or not address.valid:
        raise InvalidInput(_("Queue %(name)s has no valid sender address."), name=queue.full_name)
    return address.display_name, address.email


def _clean_addresses(addresses: Sequence[str]) -> list[str]:
    cleaned = [a.strip() for a in addresses if a and a.strip()]
    for address in cleaned:
        if "@" not in address or any(c in address for c in "\r\n"):
            raise InvalidInput(_("Invalid email address: %(address)s"), address=address)
    return cleaned


def fill_template(ticket: Ticket, text: str, *, agent: User) -> str:
    """A template's text with its variables filled for this ticket, in the customer's
    language: what a dialog inserts for the agent to edit."""
    with override(customer_language(ticket)):
        return render_text(text, template_context(ticket, agent=agent))


def _admin_text(text: str, context: Mapping[str, Any], *, as_html: bool) -> str:
    """A salutation or signature rendered; an HTML one (it starts with a tag) cleaned, and
    in a plain-text mail as its plain rendering."""
    return admin_html(render_text(text, context).rstrip(), as_html=as_html)


def admin_html(rendered: str, *, as_html: bool) -> str:
    """An admin's rendered text (salutation, signature, template): HTML (it starts with a
    tag) cleaned, plain text escaped into paragraphs; for a plain-text mail the plain
    rendering."""
    if rich_text.looks_like_html(rendered):
        cleaned = rich_text.clean_text_html(rendered)
        return cleaned if as_html else html_to_text(cleaned)
    return rich_text.text_to_html(rendered) if as_html else rendered


def _compose(
    ticket: Ticket, agent_part: str, *, agent_actor: Actor, quoted: Article | None, as_html: bool
) -> list[str]:
    queue = ticket.queue
    context = template_context(ticket, agent=agent_actor.user)
    with override(customer_language(ticket)):
        parts = []
        if queue.salutation and queue.salutation.valid:
            parts.append(_admin_text(queue.salutation.text, context, as_html=as_html))
        parts.append(agent_part)
        if queue.signature and queue.signature.valid:
            parts.append(_admin_text(queue.signature.text, context, as_html=as_html))
        if quoted is not None:
            # In the system's zone, not the zone the answering agent reads in.
            created = timezone.localtime(quoted.created, timezone.get_default_timezone())
            when = formats.date_format(created, "DATETIME_FORMAT")
            if as_html:
                parts.append(quote_html(quoted, author=quoted.from_address, date=when))
            else:
                parts.append(quote(quoted.body, author=quoted.from_address, date=when).rstrip())
    return [p for p in parts if p]


def compose_body(
    ticket: Ticket, text: str, *, agent_actor: Actor, quoted: Article | None = None
) -> str:
    """Salutation + the agent's text + signature, in the customer's language. Only the
    salutation and the signature are templates: what the agent typed is sent as typed
    (``{{ x }}``, ``{% %}`` and ``${VAR}`` are common in configuration snippets)."""
    parts = _compose(ticket, text.rstrip(), agent_actor=agent_actor, quoted=quoted, as_html=False)
    return "\n\n".join(parts) + "\n"


def compose_html(
    ticket: Ticket, html: str, *, agent_actor: Actor, quoted: Article | None = None
) -> str:
    """``compose_body`` for the agent's cleaned HTML: the salutation and signature as
    HTML, the answered mail quoted with its formatting."""
    return "\n".join(_compose(ticket, html, agent_actor=agent_actor, quoted=quoted, as_html=True))


def quote_html(article: Article, *, author: str, date: str) -> str:
    """The answered article in a blockquote: its HTML cleaned (its own ``cid:`` images
    dropped, they are not sent again), else its text."""
    if article.body_html:
        inner = sanitize(article.body_html, cid_url=lambda cid: None, load_external=True).html
    else:
        inner = rich_text.text_to_html(article.body)
    intro = html_escape(f"{date} {author}:")
    return f'<p>{intro}</p><blockquote type="cite">{inner}</blockquote>'


def send_answer(
    ticket: Ticket,
    *,
    actor: Actor,
    text: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str | None = None,
    reply_to: Article | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    next_state: State | None = None,
    pending_until: datetime | None = None,
    history_type: HistoryType = HistoryType.SEND_ANSWER,
    kind: str = OutboxKind.ARTICLE,
    article_fields: Mapping[DynamicField, Any] | None = None,
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """Answer the customer: takes the lock as OTRS does, composes with salutation and
    signature, threads with ``reply_to``, queues the mail; a new ticket becomes open.
    ``text`` is plain text, or HTML with ``content_type="text/html"`` (cleaned here)."""
    to, cc = _clean_addresses(to), _clean_addresses(cc)
    if not to:
        raise InvalidInput(_("An answer needs a recipient."))
    written = rich_text.from_input(text, content_type)
    if written.empty:
        raise InvalidInput(_("The answer is empty."))
    # One read of the row for the whole answer (lock, article, state): see ``holding``.
    with actions.holding(ticket) as current:
        current = take_lock_to_send(current, actor)
        html = ""
        if written.html:
            html = compose_html(current, written.html, agent_actor=actor, quoted=reply_to)
            body = html_to_text(html) + "\n"
        else:
            body = compose_body(current, text, agent_actor=actor, quoted=reply_to)
        in_reply_to, references = thread_headers(reply_to)
        article = send_email_article(
            current,
            actor=actor,
            to=to,
            cc=cc,
            subject=subject or answer_subject(current.number, current.title),
            body=body,
            body_html=html,
            in_reply_to=in_reply_to,
            references=references,
            attachments=[*inline_attachments(written), *attachments],
            history_type=history_type,
            kind=kind,
            article_fields=article_fields,
            accounted_minutes=accounted_minutes,
        )
        if next_state is not None:
            actions.set_state(current, next_state, actor=actor, pending_until=pending_until)
        elif current.state.type == StateType.NEW and not actor.user.is_system:
            # "new" means: no agent has written to the customer yet.
            actions.set_state(current, tickets_selectors.state_by_name("open"), actor=actor)
    return article


def inline_attachments(written: rich_text.RichText) -> list[OutgoingAttachment]:
    """The pasted images of an HTML text as the message's related parts."""
    files = []
    for image in written.images:
        assert isinstance(image.content, bytes)  # decoded from the form, never a file
        files.append(
            OutgoingAttachment(
                image.filename, image.content_type, image.content, content_id=image.content_id
            )
        )
    return files


def thread_headers(answered: Article | None) -> tuple[str, str]:
    """In-Reply-To and References of a mail that answers ``answered``."""
    if answered is None:
        return "", ""
    return answered.message_id, " ".join(filter(None, [answered.references, answered.message_id]))


def take_lock_to_send(ticket: Ticket, actor: Actor) -> Ticket:
    """What every mail out of a ticket needs first (``ticket``: the locked row): rw on its
    queue and the lock (refused while another agent holds it)."""
    permissions.require(actor.user, "rw", ticket.queue)
    return actions.take_lock(ticket, actor=actor)


def send_email_article(
    ticket: Ticket,
    *,
    actor: Actor,
    to: Sequence[str],
    cc: Sequence[str],
    subject: str,
    body: str,
    history_type: HistoryType,
    body_html: str = "",
    attachments: Sequence[OutgoingAttachment] = (),
    in_reply_to: str = "",
    references: str = "",
    visible_for_customer: bool = True,
    history_comment: str = "",
    kind: str = OutboxKind.ARTICLE,
    article_fields: Mapping[DynamicField, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    is_automatic: bool = False,
    accounted_minutes: int = 0,
) -> Article:
    """Build the message from the queue's sender address, add it to the ticket as an
    email article and queue it in the outbox, in the caller's transaction: the mail
    leaves only if the article is stored. ``to`` and ``cc`` are checked addresses. Mail
    the system writes (auto-responses, customer notifications) has no author to tell
    when it bounces. With ``body_html`` (clean HTML, ``body`` its plain rendering) the mail
    is multipart/alternative and the article keeps both; attachments with a Content-ID
    are its inline images."""
    display_name, sender = sender_of(ticket.queue)
    message_id = new_message_id()
    raw = build_message(
        sender=(display_name, sender),
        to=to,
        cc=cc,
        subject=subject,
        body=body,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        headers=headers,
        html=body_html,
    )
    article = actions.add_article(
        ticket,
        ArticleInput(
            channel=Channel.EMAIL,
            sender_type=SenderType.SYSTEM if actor.user.is_system else SenderType.AGENT,
            visible_for_customer=visible_for_customer,
            from_address=f"{display_name} <{sender}>" if display_name else sender,
            to_address=", ".join(to),
            cc_address=", ".join(cc),
            subject=subject,
            body=body,
            body_html=body_html,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            raw_source=raw,
            attachments=[
                AttachmentInput(
                    a.filename,
                    a.content_type,
                    a.content,
                    content_id=a.content_id if body_html else "",
                    inline=bool(body_html and a.content_id),
                )
                for a in attachments
            ],
            history_type=history_type,
            history_comment=history_comment,
            dynamic_fields=article_fields or {},
            is_automatic=is_automatic,
            accounted_minutes=accounted_minutes,
        ),
        actor=actor,
    )
    outbox.enqueue(
        kind=kind,
        raw=raw,
        envelope_from=sender,
        recipients=[*to, *cc],
        message_id=message_id,
        article=article,
        created_by=None if actor.user.is_system else actor.user,
    )
    return article


def create_email_ticket(
    *,
    title: str,
    queue: Queue,
    actor: Actor,
    text: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    template: StandardTemplate | None = None,
    customer_user_id: str = "",
    customer_company_id: str = "",
    attachments: Sequence[OutgoingAttachment] = (),
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
    """A ticket the agent opens by writing to the customer: the first article is that
    mail (queue salutation + Create template + text + signature), sent via the outbox.
    ``text`` is HTML with ``content_type="text/html"`` (cleaned here); with it, or with an
    HTML template, the mail is HTML with its plain rendering."""
    from sportello.mail.models import TemplateType

    to, cc = _clean_addresses(to), _clean_addresses(cc)
    if not to:
        raise InvalidInput(_("An email ticket needs a recipient."))
    if template is not None and (template.type != TemplateType.CREATE or not template.valid):
        raise InvalidInput(_("Template %(name)s is not a valid Create template."), name=template)
    written = rich_text.from_input(text, content_type)
    if written.empty and (template is None or not template.text.strip()):
        raise InvalidInput(_("The text is empty."))
    files = [*inline_attachments(written), *attachments]
    if template is not None:
        for item in template.attachments.all():
            with item.file.open("rb") as handle:
                files.append(OutgoingAttachment(item.filename, item.content_type, handle.read()))
    with transaction.atomic():
        ticket = actions.create_ticket(
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
        )
        # The template's variables are filled; the agent's text is sent as typed.
        filled = fill_template(ticket, template.text, agent=actor.user) if template else ""
        html = ""
        if written.html or rich_text.looks_like_html(filled):
            parts = (
                admin_html(filled.rstrip(), as_html=True),
                written.html or rich_text.text_to_html(text),
            )
            html = compose_html(ticket, "".join(parts), agent_actor=actor)
            body = html_to_text(html) + "\n"
        else:
            plain = "\n\n".join(p for p in (filled.rstrip(), text.rstrip()) if p.strip())
            body = compose_body(ticket, plain, agent_actor=actor)
        send_email_article(
            ticket,
            actor=actor,
            to=to,
            cc=cc,
            subject=answer_subject(ticket.number, ticket.title, prefix=""),
            body=body,
            body_html=html,
            attachments=files,
            history_type=HistoryType.EMAIL_AGENT,
            article_fields=article_fields,
        )
    return ticket
