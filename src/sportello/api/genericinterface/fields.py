"""Reading TicketCreate/TicketUpdate input with Znuny's names, defaults and messages:
``Ticket`` attributes by name or ID, ``Article`` (ContentType, or MimeType and Charset),
``DynamicField`` and ``Attachment`` items (one object or an array)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

from django.utils import timezone

from sportello.accounts.models import User
from sportello.api.genericinterface import names
from sportello.api.genericinterface.errors import OperationError
from sportello.core.errors import InvalidInput
from sportello.customers.models import CustomerUser
from sportello.mail.html_text import html_to_text
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets import time_accounting
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import (
    Channel,
    DynamicField,
    DynamicFieldObject,
    Priority,
    SenderType,
    State,
    TicketType,
)

CHANNELS = {"email": Channel.EMAIL, "phone": Channel.PHONE, "internal": Channel.INTERNAL}
CHANNEL_BY_ID = {"1": Channel.EMAIL, "2": Channel.PHONE, "3": Channel.INTERNAL}
SENDER_BY_ID = {str(v): k for k, v in names.SENDER_TYPE_IDS.items()}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)


def trimmed(value: Any) -> Any:
    """Scalars whitespace-trimmed, as Znuny's operations do."""
    return value.strip() if isinstance(value, str) else value


def items(value: Any) -> list[Any]:
    """One object or an array of them (absent: none)."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


class Reader:
    """Input of one operation: raises ``OperationError`` with the operation's prefix."""

    def __init__(self, op: str):
        self.op = op

    def missing(self, text: str) -> OperationError:
        return OperationError(self.op, "MissingParameter", text)

    def invalid(self, text: str) -> OperationError:
        return OperationError(self.op, "InvalidParameter", text)

    def row(self, data: dict[str, Any], key: str, model: Any, *, required: bool = False) -> Any:
        """``<key>ID`` or ``<key>`` of ``Ticket`` (ID wins, as in Znuny)."""
        by_id, by_name = trimmed(data.get(f"{key}ID")), trimmed(data.get(key))
        if by_id in (None, "") and by_name in (None, ""):
            if required:
                raise self.missing(f"Ticket->{key}ID or Ticket->{key} parameter is missing!")
            return None
        found = names.by_id(model, by_id) if by_id not in (None, "") else None
        if found is None and by_id in (None, ""):
            found = names.by_name(model, by_name)
        if found is None or not getattr(found, "valid", True):
            raise self.invalid(f"Ticket->{key}ID or Ticket->{key} parameter is invalid!")
        return found

    def agent(self, data: dict[str, Any], key: str) -> User | None:
        by_id, by_name = trimmed(data.get(f"{key}ID")), trimmed(data.get(key))
        agents = User.objects.filter(is_system=False, is_active=True)
        found: User | None = None
        if by_id not in (None, ""):
            found = agents.filter(pk=int(by_id)).first() if str(by_id).isdigit() else None
        elif by_name not in (None, ""):
            found = agents.filter(username=by_name).first()
        else:
            return None
        if found is None:
            raise self.invalid(f"Ticket->{key}ID or Ticket->{key} parameter is invalid!")
        return found

    def service(self, data: dict[str, Any]) -> Service | None:
        by_id, by_name = trimmed(data.get("ServiceID")), trimmed(data.get("Service"))
        if by_id in (None, "") and by_name in (None, ""):
            return None
        services = Service.objects.filter(valid=True)
        found = (
            services.filter(pk=int(by_id)).first()
            if str(by_id or "").isdigit()
            else services.filter(full_name=by_name).first()
        )
        if found is None:
            raise self.invalid("Ticket->ServiceID or Ticket->Service parameter is invalid!")
        return found

    def sla(self, data: dict[str, Any]) -> SLA | None:
        by_id, by_name = trimmed(data.get("SLAID")), trimmed(data.get("SLA"))
        if by_id in (None, "") and by_name in (None, ""):
            return None
        slas = SLA.objects.filter(valid=True)
        found = (
            slas.filter(pk=int(by_id)).first()
            if str(by_id or "").isdigit()
            else slas.filter(name=by_name).first()
        )
        if found is None:
            raise self.invalid("Ticket->SLAID or Ticket->SLA parameter is invalid!")
        return found

    def pending_time(self, data: dict[str, Any]) -> datetime | None:
        value = data.get("PendingTime")
        if value in (None, ""):
            return None
        if not isinstance(value, dict):
            raise self.invalid("Ticket->PendingTime parameter is invalid!")
        if "Diff" in value:
            try:
                return timezone.now() + timedelta(minutes=int(value["Diff"]))
            except (TypeError, ValueError):
                raise self.invalid("Ticket->PendingTime parameter is invalid!") from None
        try:
            year, month, day, hour, minute = (
                int(value[k]) for k in ("Year", "Month", "Day", "Hour", "Minute")
            )
            moment = datetime(year, month, day, hour, minute)
        except (KeyError, TypeError, ValueError):
            raise self.invalid("Ticket->PendingTime parameter is invalid!") from None
        return timezone.make_aware(moment, timezone.get_current_timezone())

    def customer_user(self, value: Any) -> tuple[str, str]:
        """(customer user id, company id) of ``Ticket->CustomerUser``: a customer login
        or a valid address."""
        login = trimmed(value)
        if not isinstance(login, str) or not login:
            raise self.missing("Ticket->CustomerUser parameter is missing!")
        customer = CustomerUser.objects.filter(login=login, valid=True).first()
        if customer is None:
            customer = CustomerUser.objects.filter(email__iexact=login, valid=True).first()
        if customer is not None:
            return customer.login, customer.company.customer_id if customer.company else ""
        if not _EMAIL.match(login):
            raise self.invalid("Ticket->CustomerUser parameter is invalid!")
        return login, ""

    def dynamic_fields(self, value: Any) -> dict[DynamicField, Any]:
        result: dict[DynamicField, Any] = {}
        for item in items(value):
            if not isinstance(item, dict):
                raise self.invalid("DynamicField parameter is invalid!")
            name = trimmed(item.get("Name"))
            if not name:
                raise self.missing("DynamicField->Name parameter is missing!")
            if "Value" not in item:
                raise self.missing("DynamicField->Value parameter is missing!")
            found = DynamicField.objects.filter(name=name, valid=True).first()
            if found is None:
                raise self.invalid("DynamicField->Name parameter is invalid!")
            result[found] = item["Value"]
        return result

    def attachments(self, value: Any) -> list[AttachmentInput]:
        result = []
        for item in items(value):
            if not isinstance(item, dict):
                raise self.invalid("Attachment parameter is invalid!")
            for key in ("Content", "ContentType", "Filename"):
                if not item.get(key):
                    raise self.missing(f"Attachment->{key} parameter is missing!")
            try:
                content = base64.b64decode(str(item["Content"]), validate=False)
            except (binascii.Error, ValueError):
                raise self.invalid("Attachment->Content parameter is invalid!") from None
            filename = str(item["Filename"]).replace("\\", "/").rsplit("/", 1)[-1][:255]
            result.append(
                AttachmentInput(
                    filename=filename or "attachment",
                    content_type=str(item["ContentType"])[:255],
                    content=content,
                    inline=str(item.get("Disposition", "")).lower() == "inline",
                )
            )
        return result


@dataclass
class ArticleParts:
    data: ArticleInput
    article_fields: dict[DynamicField, Any] = field(default_factory=dict)


def split_fields(
    values: dict[DynamicField, Any],
) -> tuple[dict[DynamicField, Any], dict[DynamicField, Any]]:
    ticket = {f: v for f, v in values.items() if f.object_type == DynamicFieldObject.TICKET}
    article = {f: v for f, v in values.items() if f.object_type != DynamicFieldObject.TICKET}
    return ticket, article


def article_input(
    reader: Reader,
    data: dict[str, Any],
    *,
    customer: bool,
    default_from: str,
    to: str,
    attachments: list[AttachmentInput],
    article_fields: dict[DynamicField, Any],
) -> ArticleInput:
    """An ``Article`` object as an ``ArticleInput`` with Znuny's defaults and checks."""
    subject, body = trimmed(data.get("Subject")), data.get("Body")
    if not subject:
        raise reader.missing("Article->Subject parameter is missing!")
    if not isinstance(body, str) or not body.strip():
        raise reader.missing("Article->Body parameter is missing!")
    content_type = trimmed(data.get("ContentType")) or ""
    mime_type = str(trimmed(data.get("MimeType")) or "").lower()
    charset = str(trimmed(data.get("Charset")) or "").lower()
    if content_type:
        mime_type = content_type.split(";")[0].strip().lower()
        found = _CHARSET.search(content_type)
        charset = found.group(1).lower() if found else "utf-8"
    elif mime_type and not charset:
        raise reader.missing("Article->Charset is required!")
    elif charset and not mime_type:
        raise reader.missing("Article->MimeType is required!")
    elif not mime_type:
        raise reader.missing("Article->ContentType or MimeType and Charset is required!")
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", mime_type):
        raise reader.invalid("Article->MimeType is invalid!")
    channel = _channel(reader, data)
    sender = _sender(reader, data, customer)
    if trimmed(data.get("ArticleSend")) not in (None, "", 0, "0"):
        raise reader.invalid("Article->ArticleSend is not supported: answer by mail in Sportello.")
    visible = data.get("IsVisibleForCustomer")
    # A customer's own article is always visible to them.
    visible_flag = customer or visible in (None, "") or str(visible).strip() not in ("0", "false")
    html = mime_type == "text/html"
    minutes = 0
    if not customer and data.get("TimeUnit") not in (None, ""):
        try:
            minutes = time_accounting.minutes_from_units(data["TimeUnit"])
        except InvalidInput:
            raise reader.invalid("Article->TimeUnit is invalid!") from None
    return ArticleInput(
        channel=channel,
        sender_type=sender,
        subject=str(subject),
        body=html_to_text(body) if html else body,
        body_html=body if html else "",
        visible_for_customer=visible_flag,
        from_address=str(trimmed(data.get("From")) or default_from),
        to_address=str(trimmed(data.get("To")) or to),
        cc_address=str(trimmed(data.get("Cc")) or ""),
        reply_to=str(trimmed(data.get("ReplyTo")) or ""),
        attachments=attachments,
        dynamic_fields=article_fields,
        accounted_minutes=minutes,
    )


def _channel(reader: Reader, data: dict[str, Any]) -> str:
    by_id = trimmed(data.get("CommunicationChannelID"))
    if by_id not in (None, ""):
        found = CHANNEL_BY_ID.get(str(by_id))
        if found is None:
            raise reader.invalid("Article->CommunicationChannelID is invalid!")
        return found
    name = str(trimmed(data.get("CommunicationChannel")) or "Internal").lower()
    if name not in CHANNELS:
        raise reader.invalid("Article->CommunicationChannel is invalid!")
    return CHANNELS[name]


def _sender(reader: Reader, data: dict[str, Any], customer: bool) -> str:
    if customer:
        return SenderType.CUSTOMER
    by_id = trimmed(data.get("SenderTypeID"))
    name = trimmed(data.get("SenderType"))
    if by_id not in (None, ""):
        name = SENDER_BY_ID.get(str(by_id), "?")
    name = str(name or SenderType.AGENT).lower()
    if name not in SenderType.values:
        raise reader.invalid("Article->SenderType is invalid!")
    return name


def customer_from(customer_user_id: str) -> str:
    customer = CustomerUser.objects.filter(login=customer_user_id).first()
    if customer is not None and customer.email:
        return formataddr((customer.full_name, customer.email))
    return customer_user_id


def ticket_models() -> dict[str, Any]:
    return {"Queue": Queue, "State": State, "Priority": Priority, "Type": TicketType}
