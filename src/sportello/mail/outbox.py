"""The outbox: outgoing mail is committed with its article, then sent after commit.

Delivery is at-least-once: a message is claimed atomically, sent, then marked sent. A
crash between the SMTP server's "250 OK" and that mark sends it again on the next sweep;
the Message-ID, fixed when the article is created, lets receivers recognise the resend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core import handoff
from sportello.core.events import publish
from sportello.mail.events import DeliveryFailed
from sportello.mail.models import OutboxKind, OutboxMessage, OutboxStatus
from sportello.mail.transports import (
    PermanentFailure,
    TemporaryFailure,
    Transport,
    get_transport,
)
from sportello.tickets.models import Article, Ticket

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
# Messages claimed (and marked sent) together by ``send_due``.
BATCH = 100
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=1)


def enqueue(
    *,
    kind: str,
    raw: bytes,
    envelope_from: str,
    recipients: Sequence[str],
    message_id: str,
    article: Article | None = None,
    ticket: Ticket | None = None,
    created_by: User | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction; sending starts after commit."""
    if not recipients:
        raise ValueError("an outgoing message needs at least one recipient")
    message = OutboxMessage.objects.create(
        kind=kind,
        raw=raw,
        envelope_from=envelope_from,
        recipients=list(recipients),
        primary_recipient=recipients[0].lower()[:254],
        message_id=message_id,
        article=article,
        ticket=ticket or (article.ticket if article else None),
        created_by=created_by,
    )
    transaction.on_commit(lambda: _schedule(message.pk), robust=True)
    return message


def _schedule(pk: int) -> None:
    if not handoff.after_commit:
        return  # the minute sweep sends it
    from sportello.mail.outbox_tasks import send_outbox_message

    send_outbox_message(pk)


def _claimable(now: datetime) -> Q:
    return Q(status__in=[OutboxStatus.QUEUED, OutboxStatus.RETRYING], next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, claimed_until__lt=now
    )


def _claim(pk: int) -> bool:
    now = timezone.now()
    return bool(
        OutboxMessage.objects.filter(_claimable(now), pk=pk).update(
            status=OutboxStatus.SENDING, claimed_until=now + CLAIM_FOR
        )
    )


def _claim_batch(size: int) -> list[OutboxMessage]:
    """Claim up to ``size`` due messages in one transaction; rows another worker holds
    are skipped (PostgreSQL ``SKIP LOCKED``; SQLite has one writer at a time). The
    bytes are read one message at a time when it is sent."""
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now))
            .order_by("next_attempt_at", "pk")
            .defer("raw")[:size]
        )
        if batch:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
                status=OutboxStatus.SENDING, claimed_until=now + CLAIM_FOR
            )
    return batch


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def send_one(pk: int, transport: Transport | None = None) -> str | None:
    """Send one message if it is due and nobody else holds it; returns its new status."""
    if not _claim(pk):
        return None
    message = OutboxMessage.objects.get(pk=pk)
    own_transport = transport is None
    transport = transport or get_transport()
    try:
        status = _deliver(message, transport)
    finally:
        if own_transport:
            transport.close()
    if status == OutboxStatus.SENT:
        _mark_sent([message])
    return status


def _deliver(message: OutboxMessage, transport: Transport) -> str:
    """Hand the message to the transport; failures are recorded here, success by the
    caller (``_mark_sent``)."""
    try:
        transport.send(message.envelope_from, message.recipients, bytes(message.raw))
    except TemporaryFailure as error:
        return _failed_temporarily(message, str(error))
    except PermanentFailure as error:
        return _failed_permanently(message, str(error))
    return OutboxStatus.SENT


def _mark_sent(messages: Sequence[OutboxMessage]) -> None:
    if messages:
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
            status=OutboxStatus.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            claimed_until=None,
            last_error="",
        )


def _failed_temporarily(message: OutboxMessage, error: str) -> str:
    attempts = message.attempts + 1
    give_up_at = message.created + timedelta(hours=settings.SPORTELLO_SMTP_RETRY_HOURS)
    if timezone.now() >= give_up_at:
        return _failed_permanently(message, f"gave up after {attempts} attempts: {error}")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.RETRYING,
        attempts=attempts,
        last_error=error,
        claimed_until=None,
        next_attempt_at=timezone.now() + retry_delay(attempts),
    )
    logger.warning("outgoing message %s deferred: %s", message.pk, error)
    return OutboxStatus.RETRYING


def _failed_permanently(message: OutboxMessage, error: str) -> str:
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.FAILED,
            attempts=message.attempts + 1,
            last_error=error,
            claimed_until=None,
        )
        publish(
            DeliveryFailed(
                ticket_id=message.ticket_id,
                actor_id=None,
                channel="job",
                outbox_id=message.pk,
                article_id=message.article_id,
                author_id=message.created_by_id,
                error=error,
            )
        )
    logger.error("outgoing message %s failed: %s", message.pk, error)
    return OutboxStatus.FAILED


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def send_due(limit: int = 500, *, batch: int = BATCH) -> SendReport:
    """Send everything that is due (the sweep, and ``sportello send_outbox``): claimed in
    batches, over one connection, marked sent once per batch. A crash between the
    server's answer and that mark sends the batch's messages again after their claim
    expires (at least once; the Message-ID shows the receiver it is the same mail)."""
    report = SendReport()
    transport = get_transport()
    try:
        while report.sent + report.retrying + report.failed < limit:
            claimed = _claim_batch(
                min(batch, limit - report.sent - report.retrying - report.failed)
            )
            if not claimed:
                break
            sent: list[OutboxMessage] = []
            for message in claimed:
                message.raw = _raw(message.pk)
                status = _deliver(message, transport)
                message.raw = b""
                if status == OutboxStatus.SENT:
                    sent.append(message)
                    report.sent += 1
                elif status == OutboxStatus.RETRYING:
                    report.retrying += 1
                elif status == OutboxStatus.FAILED:
                    report.failed += 1
            _mark_sent(sent)
    finally:
        transport.close()
    return report


def _raw(pk: int) -> bytes:
    raw = OutboxMessage.objects.filter(pk=pk).values_list("raw", flat=True).get()
    return bytes(raw)


def retry_now(message: OutboxMessage) -> None:
    """Admin action: try a failed or deferred message again at once."""
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.SENT).update(
        status=OutboxStatus.RETRYING, next_attempt_at=timezone.now(), claimed_until=None
    )
    transaction.on_commit(lambda: _schedule(message.pk), robust=True)


__all__ = ["OutboxKind", "enqueue", "retry_now", "send_due", "send_one"]
