"""Request and response shapes of the API (typed, published in the OpenAPI document).
Input schemas forbid unknown fields: a misspelt attribute is an error, not silently lost."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """A response shape the endpoint builds as plain dicts (``api.render``): pydantic's
    core validates it in one pass. ninja's ``Schema`` wraps every nested dict in its
    attribute getter for ORM objects first, which cost more than the rest of a ticket
    search's work."""


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool


class ArticleOut(Out):
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


class LinkOut(Out):
    number: str
    title: str
    state: str
    # "parent" / "child" for parent-child links, seen from this ticket; "normal" otherwise.
    kind: str


class HistoryOut(Out):
    type: str
    actor: str
    channel: str
    created: datetime
    old: str
    new: str
    text: str


class TicketSummary(Out):
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
    # The sum of the working minutes accounted on the ticket.
    accounted_minutes: int = 0
    articles: list[ArticleOut]
    dynamic_fields: dict[str, Any]
    links: list[LinkOut]
    history: list[HistoryOut] | None = None


class TicketPage(Out):
    tickets: list[TicketSummary]
    # Pass as ``cursor`` for the next page; null on the last page.
    next_cursor: str | None


class AttachmentIn(Strict):
    """A file sent with an article: its bytes in base64 (RFC 4648, standard alphabet)."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", min_length=1, max_length=255)
    content: str


class ArticleIn(Strict):
    """``note`` (internal unless visible for the customer), ``phone`` (a call, inbound
    from the customer or outbound to them), ``email`` (an answer sent by mail). ``body``
    is plain text, or HTML with ``content_type`` text/html (cleaned as the editor's is;
    ``data:`` images become inline attachments) when adding to a ticket."""

    kind: Literal["note", "phone", "email"] = "note"
    subject: str = ""
    body: str = Field(min_length=1)
    content_type: Literal["text/plain", "text/html"] = "text/plain"
    visible_for_customer: bool = False
    inbound: bool = False
    to: list[str] = []
    cc: list[str] = []
    attachments: list[AttachmentIn] = []
    # Working minutes accounted with the article (OTRS's time units).
    accounted_minutes: int = Field(0, ge=0, le=600_000)


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


class NoteIn(Strict):
    """The note an action leaves (optional unless the action needs one)."""

    subject: str = ""
    body: str = ""
    attachments: list[AttachmentIn] = []


class CloseIn(NoteIn):
    state: str = "closed successful"


class PendingIn(NoteIn):
    state: str = "pending reminder"
    until: datetime


class MoveIn(Strict):
    queue: str
    subject: str = ""
    body: str = ""


class MergeIn(Strict):
    # The number of the ticket this one is merged into.
    into: str
    body: str = ""


class SplitIn(Strict):
    article: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=255)
    queue: str


class LinkIn(Strict):
    number: str
    type: Literal["normal", "parent_child"] = "normal"


class MasterSlaveIn(Strict):
    """``master``: this ticket becomes a master; ``slave``: of ``master`` (a number);
    ``none``: neither."""

    role: Literal["master", "slave", "none"]
    master: str = ""


class DynamicFieldsIn(Strict):
    # Field name → value in the field's own form (a list for multiselect; null clears).
    values: dict[str, Any]


class WatchOut(Schema):
    watching: bool


class LinkResult(Schema):
    removed: int


class DynamicFieldOut(Schema):
    name: str
    label: str
    object_type: str
    field_type: str
    choices: list[dict[str, Any]]
    required: bool
    valid: bool


class AgentOut(Schema):
    login: str
    first_name: str
    last_name: str
    email: str
    valid: bool


class CompanyOut(Schema):
    customer_id: str
    name: str
    street: str
    city: str
    country: str
    comment: str
    valid: bool


class CustomerOut(Schema):
    login: str
    email: str
    first_name: str
    last_name: str
    phone: str
    company: str | None
    language: str
    valid: bool


class CustomerIn(Strict):
    login: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=100)
    company: str = Field("", max_length=150)
    language: str = Field("", max_length=8)


class CustomerPage(Schema):
    customers: list[CustomerOut]
    next_cursor: str | None


class CompanyPage(Schema):
    companies: list[CompanyOut]
    next_cursor: str | None


class CustomerArticleOut(Schema):
    number: int
    sender_type: str
    from_address: str
    subject: str
    body: str
    created: datetime
    attachments: list[AttachmentOut]


class CustomerTicketSummary(Schema):
    number: str
    title: str
    # The state in the customer's words (as the portal shows it) and its type.
    state: str
    state_type: str
    created: datetime
    changed: datetime


class CustomerTicketOut(CustomerTicketSummary):
    articles: list[CustomerArticleOut]


class CustomerTicketPage(Schema):
    tickets: list[CustomerTicketSummary]
    next_cursor: str | None


class RequestFormOut(Schema):
    slug: str
    name: str


class CustomerTicketIn(Strict):
    # The request form (``GET /customer/forms``) decides queue, type and priority.
    form: str
    title: str = Field("", max_length=255)
    body: str = Field(min_length=1)
    attachments: list[AttachmentIn] = []


class CustomerReplyIn(Strict):
    body: str = Field(min_length=1)
    attachments: list[AttachmentIn] = []
