"""Events of incoming mail, for auto-responses and notifications (mail-out subscribes)."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MailFiled(DomainEvent):
    """A customer mail became a new ticket or a follow-up article."""

    article_id: int
    result: str
    # Which auto-response this mail calls for; "" when none may be sent (automatic mail).
    auto_response: str
    # The ticket's queue when filed (lets subscribers decide without reading the ticket).
    queue_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MailTooLarge(DomainEvent):
    """A message over the size limit was spooled; its sender should be told."""

    failed_mail_id: int
    sender: str
    subject: str
    size: int


@dataclass(frozen=True, kw_only=True)
class DeliveryFailed(DomainEvent):
    """An outgoing message was refused for good; its author should be told."""

    outbox_id: int
    article_id: int | None
    author_id: int | None
    error: str
