"""Request and response shapes of the API (typed, published in the OpenAPI document).
Input schemas forbid unknown fields: a misspelt attribute is an error, not silently lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool


class ArticleOut(Schema):
    number: int
    channel: str
    sender_type: str
    visible_for_customer: bool
    from_address: str
    to_address: str
    cc_address: str
    subject: str
    body: str
    created: datetime
    attachments: list[AttachmentOut]


class LinkOut(Schema):
    number: str
    title: str
    state: str
    # "parent" / "child" for parent-child links, seen from this ticket; "normal" otherwise.
    kind: str


class HistoryOut(Schema):
    type: str
    actor: str
    channel: str
    created: datetime
    old: str
    new: str
    text: str


class TicketSummary(Schema):
    number: str
    # The ticket's page in the agent interface.
    url: str
    title: str
    queue: str
    state: str
    state_type: str
    priority: str
    type: str
    lock: str
    owner: str
    responsible: str | None
    customer_user: str
    customer_company: str
    service: str | None
    sla: str | None
    pending_until: datetime | None
    created: datetime
    changed: datetime


class TicketOut(TicketSummary):
    articles: list[ArticleOut]
    dynamic_fields: dict[str, Any]
    links: list[LinkOut]
    history: list[HistoryOut] | None = None


class TicketPage(Schema):
    tickets: list[TicketSummary]
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


class ArticleIn(Strict):
    """``note`` (internal unless visible for the customer), ``phone`` (a call, inbound
    from the customer or outbound to them), ``email`` (an answer sent by mail)."""

    kind: Literal["note", "phone", "email"] = "note"
    subject: str = ""
    body: str = Field(min_length=1)
    visible_for_customer: bool = False
    inbound: bool = False
    to: list[str] = []
    cc: list[str] = []


class TicketCreate(Strict):
    title: str = Field(min_length=1, max_length=255)
    queue: str
    state: str | None = None
    priority: str | None = None
    type: str | None = None
    owner: str | None = None
    responsible: str | None = None
    customer_user: str = ""
    customer_company: str = ""
    pending_until: datetime | None = None
    article: ArticleIn


class TicketPatch(Strict):
    """Only the attributes given change, each through its own action, all or none."""

    title: str | None = Field(default=None, min_length=1, max_length=255)
    queue: str | None = None
    state: str | None = None
    pending_until: datetime | None = None
    priority: str | None = None
    type: str | None = None
    owner: str | None = None
    responsible: str | None = None
    customer_user: str | None = None
    customer_company: str | None = None
    service: str | None = None
    sla: str | None = None


class NamedOut(Schema):
    id: int
    name: str


class StateOut(NamedOut):
    type: str


class QueueOut(NamedOut):
    full_name: str
