"""Storing articles and their attachments (called by the actions, never directly)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core.writes import Insert
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    Attachment,
    Channel,
    DynamicField,
    SenderType,
    Ticket,
)

NUL = "\x00"

# Every message writes these rows: their inserts are compiled once (core.writes).
_ARTICLE_INSERT = Insert(Article)
_ATTACHMENT_INSERT = Insert(Attachment)


@dataclass
class AttachmentInput:
    filename: str
    content_type: str
    # Bytes, or an open binary file that storage streams from (large uploads).
    content: bytes | IO[bytes]
    content_id: str = ""
    inline: bool = False


@dataclass
class ArticleInput:
    channel: str
    sender_type: str
    body: str = ""
    subject: str = ""
    visible_for_customer: bool = False
    from_address: str = ""
    to_address: str = ""
    cc_address: str = ""
    reply_to: str = ""
    body_html: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    raw_source: bytes | None = None
    content_hash: str = ""
    is_automatic: bool = False
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)
    created: datetime | None = None
    # Overrides the history type derived from channel and sender (e.g. FollowUp).
    history_type: HistoryType | None = None
    history_comment: str = ""
    # Article dynamic field values (field → raw input), stored with the article.
    dynamic_fields: Mapping[DynamicField, Any] = field(default_factory=dict)
    # Working minutes the agent accounts with this article (a TimeAccounting row).
    accounted_minutes: int = 0

    def __post_init__(self) -> None:
        if self.channel not in Channel.values:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.sender_type not in SenderType.values:
            raise ValueError(f"unknown sender type {self.sender_type!r}")


def article_history_type(data: ArticleInput, *, is_first: bool) -> HistoryType:
    customer = data.sender_type == SenderType.CUSTOMER
    if data.channel == Channel.EMAIL:
        if customer:
            return HistoryType.EMAIL_CUSTOMER if is_first else HistoryType.FOLLOW_UP
        return (
            HistoryType.SEND_AUTO_REPLY
            if data.sender_type == SenderType.SYSTEM
            else (HistoryType.EMAIL_AGENT)
        )
    if data.channel == Channel.PHONE:
        return HistoryType.PHONE_CALL_CUSTOMER if customer else HistoryType.PHONE_CALL_AGENT
    if data.channel == Channel.WEB:
        return HistoryType.WEB_REQUEST_CUSTOMER if customer else HistoryType.ADD_NOTE
    return HistoryType.ADD_NOTE


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; SQLite would, but both must store the same.
    return text.replace(NUL, "") if NUL in text else text


def store_article(ticket: Ticket, data: ArticleInput, *, number: int, created_by: User) -> Article:
    article = Article(
        ticket=ticket,
        number=number,
        channel=data.channel,
        sender_type=data.sender_type,
        visible_for_customer=data.visible_for_customer,
        from_address=_clean(data.from_address),
        to_address=_clean(data.to_address),
        cc_address=_clean(data.cc_address),
        reply_to=_clean(data.reply_to),
        subject=_clean(data.subject),
        body=_clean(data.body),
        body_html=_clean(data.body_html),
        message_id=_clean(data.message_id)[:998],
        in_reply_to=_clean(data.in_reply_to),
        references=_clean(data.references),
        content_hash=data.content_hash,
        is_automatic=data.is_automatic,
        created=data.created or timezone.now(),
        created_by=created_by,
    )
    raw = data.raw_source
    if raw is not None:
        article.raw_size = len(raw)
        if len(raw) <= settings.SPORTELLO_RAW_IN_DATABASE_MAX:
            article.raw_data = raw
        else:
            article.raw_source.save(f"{ticket.number}-{number}.eml", ContentFile(raw), save=False)
    _ARTICLE_INSERT.save([article])
    for item in data.attachments:
        store_attachment(article, item)
    return article


def store_attachment(article: Article, item: AttachmentInput) -> Attachment:
    attachment = _attachment_file(article, item)
    _ATTACHMENT_INSERT.save([attachment])
    return attachment


def store_attachments(items: Sequence[tuple[Article, AttachmentInput]]) -> list[Attachment]:
    """``store_attachment`` for a batch (an import): the files, then one insert."""
    attachments = [_attachment_file(article, item) for article, item in items]
    _ATTACHMENT_INSERT.save_many(attachments)
    return attachments


def _attachment_file(article: Article, item: AttachmentInput) -> Attachment:
    content: File[bytes] = (
        ContentFile(item.content) if isinstance(item.content, bytes) else File(item.content)
    )
    attachment = Attachment(
        article=article,
        filename=_clean(item.filename)[:255] or "attachment",
        content_type=item.content_type[:255] or "application/octet-stream",
        size=content.size,
        content_id=_clean(item.content_id)[:255],
        inline=item.inline,
    )
    # Stored under a neutral name: the original filename is data, not a path.
    attachment.file.save(f"{article.ticket.number}-{article.number}.bin", content, save=False)
    return attachment


def has_raw_message(article: Article) -> bool:
    """Whether the raw message was kept (reading no row: the size says it)."""
    return article.raw_size > 0 or bool(article.raw_source)


def raw_message(article: Article) -> bytes | None:
    """The raw message as stored, from the row or its file; None when none was kept (or
    its file is gone)."""
    if not has_raw_message(article):
        return None
    data = article.raw_data
    if data is not None:
        return bytes(data)
    if not article.raw_source:
        return None
    try:
        with article.raw_source.open("rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        return None
