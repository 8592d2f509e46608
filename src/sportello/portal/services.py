"""Writes of the portal: filing a request, replying, closing, confirming an anonymous
request. Every ticket change goes through ``sportello.tickets.actions`` with the system
user acting on the customer's behalf (their address is recorded in the history)."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.customers.models import CustomerUser
from sportello.mail.autoresponses import send_auto_response
from sportello.mail.models import AutoResponseType
from sportello.notifications.models import CustomerNotification, CustomerNotificationType
from sportello.portal import mails, tokens
from sportello.portal.models import PendingAttachment, PendingSubmission, RequestForm
from sportello.tickets import actions, selectors
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Channel, OriginChannel, SenderType, Ticket
from sportello.tickets.origin import Origin

logger = logging.getLogger(__name__)

PENDING_KEEP = timedelta(days=7)
# A form visit's token (rendered into the form, sent with its FAQ view events).
VISIT_TOKEN = re.compile(r"[0-9a-f]{16,32}")


def new_visit() -> str:
    return secrets.token_hex(16)


def safe_filename(name: str) -> str:
    """The last path component, without control characters; never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[:255] or "attachment"


def uploads_to_attachments(uploads: Sequence[UploadedFile]) -> list[AttachmentInput]:
    return [
        AttachmentInput(
            filename=safe_filename(upload.name or ""),
            content_type=(upload.content_type or "application/octet-stream")[:255],
            content=upload,
        )
        for upload in uploads
    ]


def customer_actor(label: str) -> Actor:
    return Actor.system(channel="web", name=label[:300])


def _from(customer: CustomerUser | None, email: str, name: str) -> str:
    if customer is not None:
        return formataddr((customer.full_name, customer.email))
    return formataddr((name, email))


def _customer_ids(customer: CustomerUser | None, email: str) -> tuple[str, str]:
    if customer is None:
        # A known address files under its customer record, as mail does.
        customer = CustomerUser.objects.filter(email__iexact=email, valid=True).first()
    if customer is None:
        return email, ""
    return customer.login, customer.company.customer_id if customer.company else ""


def file_request(
    form: RequestForm,
    *,
    customer: CustomerUser | None,
    email: str,
    name: str = "",
    title: str,
    body: str,
    attachments: Sequence[AttachmentInput] = (),
    channel: str = OriginChannel.WEB,
    faq_suggestion_opened: bool = False,
) -> Ticket:
    """Create the ticket of a form submission: channel web, customer-visible article;
    its origin names the form (and the API when a client sent it)."""
    email = customer.email if customer is not None else email
    customer_user_id, company_id = _customer_ids(customer, email)
    sender = _from(customer, email, name)
    with transaction.atomic():
        ticket = actions.create_ticket(
            title=title or form.title,
            queue=form.queue,
            actor=customer_actor(email),
            priority=form.priority,
            type=form.ticket_type,
            customer_user_id=customer_user_id,
            customer_company_id=company_id,
            article=ArticleInput(
                channel=Channel.WEB,
                sender_type=SenderType.CUSTOMER,
                visible_for_customer=True,
                from_address=sender,
                subject=title or form.title,
                body=body,
                attachments=attachments,
                history_comment=form.slug,
            ),
            origin=Origin(
                channel=channel,
                request_form_id=form.pk,
                request_form_name=form.name,
                faq_suggestion_opened=faq_suggestion_opened,
            ),
        )
        article = ticket.articles.get(number=1)
        transaction.on_commit(lambda: _send_receipt(ticket.pk, article.pk))
    return ticket


def _send_receipt(ticket_id: int, article_id: int) -> None:
    """Queues with a "request received" notification send it from its subscriber; the
    others answer with their new-ticket auto-response, as for mail."""
    ticket = Ticket.objects.select_related("queue__system_address").get(pk=ticket_id)
    has_notification = CustomerNotification.objects.filter(
        type=CustomerNotificationType.RECEIPT, valid=True, queues=ticket.queue
    ).exists()
    if has_notification:
        return
    try:
        send_auto_response(ticket, Article.objects.get(pk=article_id), AutoResponseType.NEW_TICKET)
    except Exception:
        logger.exception("receipt for ticket %s not sent", ticket.number)


def hold_anonymous_request(
    form: RequestForm,
    *,
    email: str,
    name: str,
    title: str,
    body: str,
    uploads: Sequence[UploadedFile],
    language: str,
) -> PendingSubmission:
    """Keep an anonymous submission and mail the confirmation link; no ticket yet."""
    with transaction.atomic():
        _forget_stale_submissions()
        submission = PendingSubmission.objects.create(
            form=form,
            email=email,
            name=name[:200],
            title=title[:255],
            body=body,
            language=language[:8],
        )
        for upload in uploads:
            attachment = PendingAttachment(
                submission=submission,
                filename=safe_filename(upload.name or ""),
                content_type=(upload.content_type or "application/octet-stream")[:255],
            )
            attachment.file.save(f"{submission.pk}.bin", File(upload), save=False)
            attachment.save()
        url = mails.absolute(
            reverse("portal:form-confirm", args=[tokens.make_confirm_token(submission)])
        )
        mails.send(
            email,
            "confirm_request",
            {"title": title, "url": url, "hours": settings.SPORTELLO_PORTAL_CONFIRM_HOURS},
            language=language,
        )
    return submission


def _forget_stale_submissions() -> None:
    """Unconfirmed submissions older than a week go, files included (a few per call)."""
    stale = PendingSubmission.objects.filter(created__lt=timezone.now() - PENDING_KEEP)
    for submission in stale.prefetch_related("attachments")[:20]:
        for item in submission.attachments.all():
            item.file.delete(save=False)
        submission.delete()


def confirm_anonymous_request(submission: PendingSubmission) -> Ticket:
    """File the ticket of a confirmed submission; a second confirmation finds it again."""
    with transaction.atomic():
        current = PendingSubmission.objects.select_for_update().get(pk=submission.pk)
        if current.ticket_id is not None:
            return Ticket.objects.get(pk=current.ticket_id)
        pending = list(current.attachments.all())
        ticket = file_request(
            current.form,
            customer=None,
            email=current.email,
            name=current.name,
            title=current.title,
            body=current.body,
            attachments=[
                AttachmentInput(
                    filename=a.filename, content_type=a.content_type, content=a.file.open("rb")
                )
                for a in pending
            ],
        )
        current.ticket = ticket
        current.save(update_fields=["ticket"])
        for item in pending:
            item.file.close()
            item.file.delete(save=False)
        current.attachments.all().delete()
    return ticket


def reply(
    customer: CustomerUser,
    ticket: Ticket,
    *,
    text: str,
    attachments: Sequence[AttachmentInput] = (),
) -> Ticket:
    """The customer's follow-up; returns the ticket that holds it (a new one when the
    queue files follow-ups on closed tickets as new tickets)."""
    if not permissions.customer_may_reply(customer, ticket):
        raise NotFound(_("No such request."))
    data = ArticleInput(
        channel=Channel.WEB,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        from_address=_from(customer, customer.email, ""),
        subject=f"Re: {ticket.title}",
        body=text,
        attachments=attachments,
        history_type=HistoryType.FOLLOW_UP,
    )
    actor = customer_actor(customer.email or customer.login)
    return actions.customer_follow_up(ticket, data, actor=actor).ticket


def close(customer: CustomerUser, ticket: Ticket) -> Ticket:
    if not permissions.customer_may_see(customer, ticket):
        raise NotFound(_("No such request."))
    if not permissions.customer_may_close(customer, ticket):
        raise Conflict(_("This request cannot be closed here."))
    actor = customer_actor(customer.email or customer.login)
    return actions.set_state(ticket, selectors.state_by_name("closed successful"), actor=actor)


def record_faq_opened(
    form: RequestForm,
    numbers: Sequence[int],
    *,
    ticket_number: str,
    anonymous: bool,
    visit: str = "",
) -> None:
    """The customer opened these suggested FAQ articles and still sent the request."""
    from sportello.portal.models import FaqSuggestionUse

    FaqSuggestionUse.objects.create(
        form=form,
        faq_numbers=list(numbers),
        ticket_number=ticket_number,
        anonymous=anonymous,
        visit=visit,
    )


def record_faq_view(form: RequestForm, number: int, *, visit: str, anonymous: bool) -> None:
    """A suggested article opened during the form visit ``visit`` (once per visit and
    article), sent or not."""
    from sportello.portal.models import FaqSuggestionView

    if not VISIT_TOKEN.fullmatch(visit):
        raise InvalidInput(_("The form visit is not valid."))
    FaqSuggestionView.objects.get_or_create(
        form=form, visit=visit, faq_number=number, defaults={"anonymous": anonymous}
    )


@dataclass(frozen=True)
class SuggestionStatistics:
    """Form visits in which the customer opened a suggested FAQ article: those that
    ended without a request (``left``) and those that still sent one (``sent``)."""

    left: int
    sent: int


def faq_suggestion_statistics(form: RequestForm) -> SuggestionStatistics:
    from sportello.portal.models import FaqSuggestionUse, FaqSuggestionView

    opened = set(
        FaqSuggestionView.objects.filter(form=form).values_list("visit", flat=True).distinct()
    )
    sent_visits = set(
        FaqSuggestionUse.objects.filter(form=form, visit__in=opened).values_list("visit", flat=True)
    )
    # Requests recorded before view events existed carry no visit: opened and sent.
    untracked = FaqSuggestionUse.objects.filter(form=form, visit="").count()
    return SuggestionStatistics(left=len(opened - sent_visits), sent=len(sent_visits) + untracked)
