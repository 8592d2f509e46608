"""Mail the portal sends outside any ticket (login links, password reset, confirming an
anonymous request), through the outbox of the mail app."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import override

from sportello.mail import outbox
from sportello.mail.compose import build_message, new_message_id
from sportello.mail.models import OutboxKind
from sportello.queues.models import Queue, SystemAddress

logger = logging.getLogger(__name__)

AUTO_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def _sender() -> tuple[str, str] | None:
    if settings.SPORTELLO_PORTAL_SENDER:
        return "", settings.SPORTELLO_PORTAL_SENDER
    raw = Queue.objects.filter(full_name="Raw").select_related("system_address").first()
    address = raw.system_address if raw else None
    if address is None or not address.valid:
        address = SystemAddress.objects.filter(valid=True).order_by("id").first()
    return (address.display_name, address.email) if address else None


def absolute(path: str) -> str:
    return settings.SPORTELLO_BASE_URL.rstrip("/") + path


def send(recipient: str, template: str, context: dict[str, Any], *, language: str = "") -> bool:
    """Render ``portal/mail/<template>.txt`` (first line: the subject) and queue it."""
    sender = _sender()
    if sender is None:
        logger.warning("no sender address for portal mail; %s not sent", template)
        return False
    with override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"portal/mail/{template}.txt", context).strip()
    subject, _, body = text.partition("\n")
    message_id = new_message_id()
    raw = build_message(
        sender=sender,
        to=[recipient],
        subject=subject.strip(),
        body=body.strip() + "\n",
        message_id=message_id,
        headers=AUTO_HEADERS,
    )
    with transaction.atomic():
        outbox.enqueue(
            kind=OutboxKind.NOTIFICATION,
            raw=raw,
            envelope_from=sender[1],
            recipients=[recipient],
            message_id=message_id,
        )
    return True
