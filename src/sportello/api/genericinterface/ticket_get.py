"""TicketGet (also TicketGetList) and TicketHistoryGet: tickets as Znuny's
``TicketGet`` shows them, IDs as strings. Customers see only their tickets and the
articles visible for them; the history is for agents only."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone

from sportello.accounts import permissions
from sportello.api.genericinterface import names
from sportello.api.genericinterface.auth import Caller
from sportello.api.genericinterface.common import (
    as_list,
    caller,
    flag,
    ids,
    may_read,
    otrs_time,
)
from sportello.api.genericinterface.errors import OperationError
from sportello.api.genericinterface.routes import Route
from sportello.queues.models import Queue
from sportello.tickets import dynamic_fields, selectors, time_accounting
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    Attachment,
    DynamicFieldObject,
    DynamicFieldValue,
    State,
    Ticket,
)


def _df_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return otrs_time(value)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, bool):
        return 1 if value else 0
    return value


def _dynamic_fields(obj: Ticket | Article) -> list[dict[str, Any]]:
    return _set_values(dynamic_fields.current_values(obj))


def _set_values(values: dict[str, Any]) -> list[dict[str, Any]]:
    # Znuny lists only the fields that hold a value.
    return [
        {"Name": name, "Value": _df_value(value)}
        for name, value in values.items()
        if value not in (None, [], False, "")
    ]


def _article_fields(articles: list[Article]) -> dict[int, list[dict[str, Any]]]:
    """The article dynamic fields of all ``articles`` in two queries (not two each)."""
    fields = dynamic_fields.valid_fields(DynamicFieldObject.ARTICLE)
    if not fields or not articles:
        return {}
    rows: dict[tuple[int, int], list[DynamicFieldValue]] = {}
    stored = DynamicFieldValue.objects.filter(article__in=articles, field__in=fields)
    for row in stored.order_by("id"):
        assert row.article_id is not None
        rows.setdefault((row.article_id, row.field_id), []).append(row)
    return {
        article.pk: _set_values(
            {f.name: dynamic_fields.value_of(f, rows.get((article.pk, f.pk), [])) for f in fields}
        )
        for article in articles
    }


def _attachments(article: Article, contents: bool) -> list[dict[str, Any]]:
    result = []
    for number, item in enumerate(article.attachments.all(), start=1):
        content = ""
        if contents and item.file:
            try:
                with item.file.open("rb") as handle:
                    content = base64.b64encode(handle.read()).decode()
            except FileNotFoundError:
                content = ""
        result.append(
            {
                "Content": content,
                "ContentAlternative": "",
                "ContentID": item.content_id,
                "ContentType": item.content_type,
                "Disposition": "inline" if item.inline else "attachment",
                "FileID": number,
                "Filename": item.filename,
                "FilesizeRaw": str(item.size),
            }
        )
    return result


def article_data(
    article: Article,
    ticket: Ticket,
    options: dict[str, Any],
    article_fields: dict[int, list[dict[str, Any]]] | None = None,
    minutes: dict[int, int] | None = None,
) -> dict[str, Any]:
    channel = names.channel_name(article.channel)
    data: dict[str, Any] = {
        "ArticleID": str(article.pk),
        "ArticleNumber": str(article.number),
        "TicketID": str(ticket.pk),
        "From": article.from_address,
        "To": article.to_address,
        "Cc": article.cc_address,
        "Bcc": "",
        "ReplyTo": article.reply_to,
        "Subject": article.subject,
        "Body": article.body,
        "MessageID": article.message_id,
        "InReplyTo": article.in_reply_to,
        "References": article.references,
        "ContentType": "text/plain; charset=utf-8",
        "Charset": "utf-8",
        "MimeType": "text/plain",
        "SenderType": article.sender_type,
        "SenderTypeID": str(names.SENDER_TYPE_IDS.get(article.sender_type, 1)),
        "CommunicationChannel": channel,
        "CommunicationChannelID": str(names.CHANNEL_IDS[channel]),
        "IsVisibleForCustomer": "1" if article.visible_for_customer else "0",
        "IncomingTime": str(int(article.created.timestamp())),
        "CreateTime": otrs_time(article.created),
        "CreateBy": str(article.created_by_id or ""),
        "ChangeTime": otrs_time(article.created),
        "ChangeBy": str(article.created_by_id or ""),
        "TimeUnit": time_accounting.as_units((minutes or {}).get(article.pk, 0)),
    }
    if options["Attachments"]:
        data["Attachment"] = _attachments(article, options["GetAttachmentContents"])
        if options["HTMLBodyAsAttachment"] and article.body_html:
            html = article.body_html.encode()
            data["Attachment"].append(
                {
                    "Content": base64.b64encode(html).decode()
                    if options["GetAttachmentContents"]
                    else "",
                    "ContentAlternative": "",
                    "ContentID": "",
                    "ContentType": "text/html; charset=utf-8",
                    "Disposition": "inline",
                    "FileID": len(data["Attachment"]) + 1,
                    "Filename": "file-2",
                    "FilesizeRaw": str(len(html)),
                }
            )
    if options["DynamicFields"]:
        data["DynamicField"] = (article_fields or {}).get(article.pk, [])
    return data


def _articles(ticket: Ticket, who: Caller, options: dict[str, Any]) -> list[dict[str, Any]]:
    if who.agent is not None:
        articles = Article.objects.filter(ticket=ticket)
    else:
        articles = permissions.customer_articles(who.customer, ticket)
    senders = [str(s) for s in as_list(options["ArticleSenderType"])]
    if senders:
        articles = articles.filter(sender_type__in=senders)
    descending = str(options["ArticleOrder"]).upper() == "DESC"
    articles = articles.order_by("-number" if descending else "number").prefetch_related(
        Prefetch("attachments", Attachment.objects.order_by("id"))
    )
    limit = options["ArticleLimit"]
    rows = list(articles[:limit] if limit else articles)
    fields = _article_fields(rows) if options["DynamicFields"] else {}
    # Accounted time is the agents' business (OTRS shows it in the agent interface only).
    minutes = time_accounting.minutes_by_article([a.pk for a in rows]) if who.agent else {}
    return [article_data(a, ticket, options, fields, minutes) for a in rows]


def _user(user: Any) -> tuple[str, str]:
    return (user.username, str(user.pk)) if user is not None else ("", "")


def ticket_data(ticket: Ticket, who: Caller, options: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    owner, owner_id = _user(ticket.owner)
    # Znuny always has a responsible agent (the owner unless set).
    responsible, responsible_id = _user(ticket.responsible or ticket.owner)
    until = 0
    if ticket.pending_until is not None and ticket.state.is_pending:
        until = int((ticket.pending_until - now).total_seconds())
    data: dict[str, Any] = {
        "TicketID": str(ticket.pk),
        "TicketNumber": ticket.number,
        "Title": ticket.title,
        "Queue": ticket.queue.full_name,
        "QueueID": names.gi_id(ticket.queue),
        "State": ticket.state.name,
        "StateID": names.gi_id(ticket.state),
        "StateType": ticket.state.type,
        "Priority": ticket.priority.name,
        "PriorityID": names.gi_id(ticket.priority),
        "Lock": names.lock_name(ticket.lock),
        "LockID": names.lock_id(ticket.lock),
        "Type": ticket.type.name,
        "TypeID": names.gi_id(ticket.type),
        "Service": ticket.service.full_name if ticket.service else "",
        "ServiceID": str(ticket.service_id or ""),
        "SLA": ticket.sla.name if ticket.sla else "",
        "SLAID": str(ticket.sla_id or ""),
        "Owner": owner,
        "OwnerID": owner_id,
        "Responsible": responsible,
        "ResponsibleID": responsible_id,
        "CustomerID": ticket.customer_company_id,
        "CustomerUserID": ticket.customer_user_id,
        "GroupID": str(ticket.queue.group_id),
        "Created": otrs_time(ticket.created),
        "Changed": otrs_time(ticket.changed),
        "CreateBy": str(ticket.created_by_id or ""),
        "ChangeBy": str(ticket.changed_by_id or ""),
        "Age": int((now - ticket.created).total_seconds()),
        "ArchiveFlag": "y" if ticket.archived else "n",
        "UnlockTimeout": "0",
        "UntilTime": max(until, 0),
        "RealTillTimeNotUsed": str(int(ticket.pending_until.timestamp()))
        if ticket.pending_until
        else "0",
        "EscalationTime": "0",
        "TimeUnit": time_accounting.as_units(time_accounting.total_minutes(ticket))
        if who.agent is not None
        else 0,
    }
    if options["Extended"]:
        data["FirstResponse"] = otrs_time(ticket.first_response_at)
        data["FirstResponseInMin"] = ticket.first_response_minutes or 0
        data["SolutionInMin"] = ticket.solution_minutes or 0
        data["FirstLock"] = ""
    if options["DynamicFields"]:
        data["DynamicField"] = _dynamic_fields(ticket)
    if options["AllArticles"]:
        data["Article"] = _articles(ticket, who, options)
    return data


def options(data: dict[str, Any]) -> dict[str, Any]:
    try:
        limit = int(data.get("ArticleLimit") or 0)
    except (TypeError, ValueError):
        limit = 0
    return {
        "DynamicFields": flag(data, "DynamicFields"),
        "Extended": flag(data, "Extended"),
        "AllArticles": flag(data, "AllArticles"),
        "ArticleSenderType": data.get("ArticleSenderType"),
        "ArticleOrder": data.get("ArticleOrder") or "ASC",
        "ArticleLimit": max(limit, 0),
        "Attachments": flag(data, "Attachments"),
        "GetAttachmentContents": flag(data, "GetAttachmentContents", default=True),
        "HTMLBodyAsAttachment": flag(data, "HTMLBodyAsAttachment"),
    }


def readable_tickets(who: Caller, wanted: list[str], op: str) -> list[Ticket]:
    """The tickets ``wanted`` names, in its order; AccessDenied if any of them is
    unknown or not readable (an unknown id and a hidden one answer alike)."""
    numbers = [int(i) for i in wanted if i.isdigit()]
    if len(numbers) != len(wanted):
        raise OperationError(op, "NotValidTicketID", f"Could not get TicketID for {wanted[0]}!")
    # Related rows from the configuration cache, not joined (``selectors.with_relations``).
    found = {t.pk: t for t in selectors.with_relations(list(Ticket.objects.filter(pk__in=numbers)))}
    tickets = []
    for number in numbers:
        ticket = found.get(number)
        if ticket is None or not may_read(who, ticket):
            raise OperationError(op, "AccessDenied", "User does not have access to the ticket!")
        tickets.append(ticket)
    return tickets


def ticket_get(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "TicketGet"
    who = caller(request, data, op)
    wanted = ids(data.get("TicketID"))
    if not wanted:
        raise OperationError(op, "MissingParameter", "TicketID parameter is missing!")
    tickets = readable_tickets(who, wanted, op)
    chosen = options(data)
    return {"Ticket": [ticket_data(t, who, chosen) for t in tickets]}


def _history_type_ids() -> dict[str, int]:
    return {code: number for number, code in enumerate(HistoryType.values, start=1)}


def ticket_history_get(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "TicketHistoryGet"
    who = caller(request, data, op)
    if who.agent is None:
        raise OperationError(op, "AccessDenied", "User does not have access to the ticket!")
    wanted = ids(data.get("TicketID"))
    if not wanted:
        raise OperationError(op, "MissingParameter", "TicketID parameter is missing!")
    tickets = readable_tickets(who, wanted, op)
    type_ids = _history_type_ids()
    queues = {q.pk: q for q in Queue.objects.all()}
    states = {s.pk: s for s in State.objects.all()}
    result = []
    for ticket in tickets:
        rows = []
        for row in ticket.history.order_by("id"):
            queue = queues.get(row.queue_id_at or ticket.queue_id)
            state = states.get(row.state_id_at or ticket.state_id)
            rows.append(
                {
                    "TicketID": str(ticket.pk),
                    "ArticleID": str(row.article_id or ""),
                    "Name": row.text,
                    "CreateBy": str(row.actor_id or ""),
                    "CreateTime": otrs_time(row.created),
                    "HistoryType": row.type,
                    "HistoryTypeID": str(type_ids.get(row.type, 0)),
                    "QueueID": names.gi_id(queue) if queue else "",
                    "OwnerID": str(ticket.owner_id),
                    "PriorityID": names.gi_id(ticket.priority),
                    "StateID": names.gi_id(state) if state else "",
                    "TypeID": names.gi_id(ticket.type),
                }
            )
        result.append({"TicketID": str(ticket.pk), "History": rows})
    return {"TicketHistory": result}
