"""Everything the ticket zoom shows, read in a fixed number of queries whatever the
number of articles (pinned by tests/web/test_zoom_queries.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q
from django.urls import reverse

from sportello.accounts.models import User
from sportello.core.sanitize import SafeHtml, sanitize
from sportello.customers.models import CustomerUser
from sportello.customers.selectors import other_tickets
from sportello.mail.models import OutboxMessage
from sportello.tickets import dynamic_fields as df
from sportello.tickets import selectors
from sportello.tickets.models import (
    Article,
    ArticleFlag,
    Attachment,
    Channel,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldValue,
    SenderType,
    Ticket,
    TicketWatch,
)

INLINE_PREVIEW_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


@dataclass
class AttachmentView:
    attachment: Attachment
    preview: bool


@dataclass
class ArticleView:
    article: Article
    unseen: bool
    marked: bool
    attachments: list[AttachmentView]
    deliveries: list[OutboxMessage] = field(default_factory=list)
    html: SafeHtml | None = None
    # (label, shown value) of the article's dynamic fields that hold a value.
    fields: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ZoomFilter:
    channel: str = ""
    sender_type: str = ""
    article: int | None = None  # show only this one
    load_external: bool = False

    @classmethod
    def from_query(cls, query: Any) -> ZoomFilter:
        number = query.get("article", "")
        channel, sender = query.get("channel", ""), query.get("sender", "")
        return cls(
            # Unknown values are ignored, never passed to the database.
            channel=channel if channel in Channel.values else "",
            sender_type=sender if sender in SenderType.values else "",
            article=int(number) if number.isdigit() and len(number) < 10 else None,
            load_external=query.get("external") == "1",
        )


@dataclass
class Zoom:
    ticket: Ticket
    articles: list[ArticleView]
    shown: list[ArticleView]
    customer: CustomerUser | None
    customer_tickets: list[Ticket]
    links: dict[str, list[Ticket]] = field(default_factory=dict)
    watching: bool = False
    blocked_images: int = 0
    # The valid article dynamic fields (for the cards and the answer form).
    article_fields: list[DynamicField] = field(default_factory=list)


def attachment_url(ticket: Ticket, attachment: Attachment, *, inline: bool = False) -> str:
    url = reverse("web:attachment", args=[ticket.number, attachment.pk])
    return url + "?inline=1" if inline else url


def previewable(attachment: Attachment) -> bool:
    return attachment.content_type.split(";")[0].strip().lower() in INLINE_PREVIEW_TYPES


def _customer(ticket: Ticket) -> CustomerUser | None:
    login = ticket.customer_user_id
    if not login:
        return None
    return (
        CustomerUser.objects.filter(Q(login=login) | Q(email__iexact=login))
        .select_related("company")
        .order_by("-valid", "id")
        .first()
    )


def _links(ticket: Ticket, agent: User) -> dict[str, list[Ticket]]:
    groups: dict[str, list[Ticket]] = {}
    for kind, other in selectors.linked_tickets(ticket, agent):
        groups.setdefault(kind, []).append(other)
    return groups


def _article_fields(ticket: Ticket, fields: list[DynamicField]) -> dict[int, list[tuple[str, str]]]:
    """Article id → its dynamic field values, for all articles in one query."""
    if not fields:
        return {}
    stored: dict[int, dict[int, list[DynamicFieldValue]]] = {}
    values = DynamicFieldValue.objects.filter(article__ticket=ticket, field__in=fields)
    for row in values.order_by("id"):
        assert row.article_id is not None
        stored.setdefault(row.article_id, {}).setdefault(row.field_id, []).append(row)
    return {
        article_id: [
            (f.label, df.show(f, df.value_of(f, by_field[f.pk])))
            for f in fields
            if f.pk in by_field
        ]
        for article_id, by_field in stored.items()
    }


def build(ticket: Ticket, agent: User, flt: ZoomFilter) -> Zoom:
    # Prefetched into plain lists: no queryset per article when they are read.
    articles_qs = ticket.articles.order_by("number").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="files"),
        Prefetch("outbox", queryset=OutboxMessage.objects.order_by("id"), to_attr="sent"),
    )
    if flt.channel:
        articles_qs = articles_qs.filter(channel=flt.channel)
    if flt.sender_type:
        articles_qs = articles_qs.filter(sender_type=flt.sender_type)
    if flt.article is not None:
        # One article shown: the others' texts stay in the database (one query for it).
        articles_qs = articles_qs.defer("body", "body_html", "references", "in_reply_to")
    articles = list(articles_qs)
    flags = {
        f.article_id: f
        for f in ArticleFlag.objects.filter(agent=agent, article__ticket=ticket).only(
            "article_id", "seen", "marked"
        )
    }
    article_field_defs = list(df.fields_for(DynamicFieldObject.ARTICLE))
    article_fields = _article_fields(ticket, article_field_defs)
    views = []
    for article in articles:
        flag = flags.get(article.pk)
        views.append(
            ArticleView(
                article=article,
                unseen=flag is None or not flag.seen,
                marked=bool(flag and flag.marked),
                attachments=[AttachmentView(a, previewable(a)) for a in article.files],
                deliveries=article.sent,
                fields=article_fields.get(article.pk, []),
            )
        )
    shown = [v for v in views if flt.article is None or v.article.number == flt.article]
    blocked = 0
    for view in shown:
        if view.article.body_html:
            urls = {
                item.attachment.content_id.strip("<>"): attachment_url(
                    ticket, item.attachment, inline=True
                )
                for item in view.attachments
                if item.attachment.content_id and item.preview
            }
            view.html = sanitize(
                view.article.body_html, cid_url=urls.get, load_external=flt.load_external
            )
            blocked += view.html.blocked_images
    mark_seen(agent, [v.article for v in shown if v.unseen])
    customer = _customer(ticket)
    customer_tickets: list[Ticket] = list(other_tickets(ticket, agent))
    return Zoom(
        ticket=ticket,
        articles=views,
        shown=shown,
        customer=customer,
        customer_tickets=customer_tickets,
        links=_links(ticket, agent),
        watching=TicketWatch.objects.filter(ticket=ticket, agent=agent).exists(),
        blocked_images=blocked,
        article_fields=article_field_defs,
    )


def mark_seen(agent: User, articles: list[Article]) -> None:
    """One upsert for every newly shown article."""
    if not articles:
        return
    ArticleFlag.objects.bulk_create(
        [ArticleFlag(article=a, agent=agent, seen=True) for a in articles],
        update_conflicts=True,
        unique_fields=["agent", "article"],
        update_fields=["seen"],
    )


def toggle_mark(agent: User, article: Article) -> bool:
    flag, _created = ArticleFlag.objects.get_or_create(agent=agent, article=article)
    flag.marked = not flag.marked
    flag.save(update_fields=["marked"])
    return flag.marked
