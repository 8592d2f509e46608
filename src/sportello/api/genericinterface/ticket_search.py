"""TicketSearch: Znuny's parameters onto the agent search's ``Criteria``
(``search.services.search_tickets``, which ends in the permission filter). The answer is
``{"TicketID":["66","65"]}``, or ``{}`` when nothing matches (pyotrs needs exactly that).
Unknown parameters are ignored, as Znuny ignores them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.api.genericinterface import names
from sportello.api.genericinterface.common import as_list, caller, flag, parse_time
from sportello.api.genericinterface.errors import OperationError
from sportello.api.genericinterface.routes import Route
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.search.services import Criteria, TimeRange, search_tickets
from sportello.sla.models import SLA, Service
from sportello.tickets.dynamic_fields import FieldFilter, Match
from sportello.tickets.models import (
    Article,
    DynamicField,
    DynamicFieldType,
    DynamicFieldValue,
    Priority,
    State,
    StateType,
    Ticket,
    TicketType,
)

DEFAULT_LIMIT = 500
OPEN_TYPES = [
    StateType.NEW,
    StateType.OPEN,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
]
SORT = {
    # By creation order: the id, whose index both databases walk and stop after the limit
    # (as the agent search does); sorting every match by a timestamp cost ~300 ms at
    # 100,000 tickets.
    "Age": "pk",
    "Created": "created",
    "Changed": "changed",
    "TicketNumber": "number",
    "Ticket": "number",
    "Title": "title",
    "Queue": "queue__full_name",
    "State": "state__name",
    "Priority": "priority__name",
    "Type": "type__name",
    "Lock": "lock",
    "Owner": "owner__username",
    "Responsible": "responsible__username",
    "CustomerID": "customer_company_id",
    "CustomerUserID": "customer_user_id",
    "PendingTime": "pending_until",
    "EscalationTime": "escalation_next_at",
    "Service": "service__full_name",
    "SLA": "sla__name",
}
_WILDCARD = re.compile(r"[%*]+")


def _pattern(value: Any) -> str:
    return _WILDCARD.sub("*", str(value).strip())


def _rows(model: Any, data: dict[str, Any], names_key: str, ids_key: str) -> list[int]:
    """Row ids of a ``Queues``/``QueueIDs`` pair; an unknown entry matches nothing."""
    found: list[int] = []
    for name in as_list(data.get(names_key)):
        row = names.by_name(model, name)
        found.append(row.pk if row is not None else 0)
    for value in as_list(data.get(ids_key)):
        row = names.by_id(model, value)
        found.append(row.pk if row is not None else 0)
    return found


def _plain(model: Any, data: dict[str, Any], names_key: str, ids_key: str, field: str) -> list[int]:
    """Row ids of a ``Services``/``ServiceIDs`` pair (rows without seeded Znuny IDs)."""
    found: list[int] = []
    for name in as_list(data.get(names_key)):
        row = model.objects.filter(**{field: str(name).strip()}).first()
        found.append(row.pk if row is not None else 0)
    return found + _int_list(data.get(ids_key))


def _int_list(value: Any) -> list[int]:
    return [int(v) if str(v).strip().isdigit() else 0 for v in as_list(value)]


def _state_types(data: dict[str, Any]) -> list[str]:
    wanted: list[str] = []
    for value in as_list(data.get("StateType")):
        text = str(value).strip()
        if text.lower() == "open":
            wanted += OPEN_TYPES
        elif text.lower() == "closed":
            wanted.append(StateType.CLOSED)
        else:
            wanted.append(text)
    by_id = {str(v): k for k, v in names.STATE_TYPE_IDS.items()}
    wanted += [by_id.get(str(v).strip(), "-") for v in as_list(data.get("StateTypeIDs"))]
    return wanted


def _range(data: dict[str, Any], prefix: str, op: str) -> TimeRange:
    older, newer = data.get(f"{prefix}OlderMinutes"), data.get(f"{prefix}NewerMinutes")
    older_date, newer_date = data.get(f"{prefix}OlderDate"), data.get(f"{prefix}NewerDate")
    values: dict[str, Any] = {}
    for key, value in (("older", older), ("within", newer)):
        if value not in (None, ""):
            try:
                values[key] = timedelta(minutes=int(value))
            except (TypeError, ValueError):
                raise OperationError(op, "InvalidParameter", f"{prefix} is invalid!") from None
    for key, value in (("end", older_date), ("start", newer_date)):
        if value not in (None, ""):
            moment = parse_time(value)
            if moment is None:
                raise OperationError(op, "InvalidParameter", f"{prefix} is invalid!")
            # "Older than the date" includes the date's second itself, as Znuny's <=.
            values[key] = moment + timedelta(seconds=1) if key == "end" else moment
    return TimeRange(**values)


def _fulltext(data: dict[str, Any]) -> str:
    parts = []
    for key in ("Fulltext", "MIMEBase_From", "MIMEBase_To", "MIMEBase_Cc", "MIMEBase_Subject",
                "MIMEBase_Body", "AttachmentName"):  # fmt: skip
        for value in as_list(data.get(key)):
            text = _WILDCARD.sub(" ", str(value)).strip()
            if text:
                parts.append(f"({text})")
    joiner = " OR " if str(data.get("ContentSearch", "")).upper() == "OR" else " "
    return joiner.join(parts)


def _field_conditions(data: dict[str, Any], op: str) -> list[tuple[DynamicField, dict[str, Any]]]:
    """``DynamicField_<Name>: {…}`` and ``DynamicField: {Name, …}`` (or a list of those);
    only objects count (a scalar, as a GET sends, is ignored as in Znuny)."""
    wanted: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if key.startswith("DynamicField_") and isinstance(value, dict):
            wanted.append((key[len("DynamicField_") :], value))
    for item in (
        as_list(data.get("DynamicField"))
        if isinstance(data.get("DynamicField"), list | dict)
        else []
    ):
        if isinstance(item, dict) and item.get("Name"):
            wanted.append((str(item["Name"]), item))
    result = []
    for name, condition in wanted:
        field = DynamicField.objects.filter(name=name, valid=True).first()
        if field is None:
            raise OperationError(op, "InvalidParameter", f"DynamicField_{name} is invalid!")
        result.append((field, condition))
    return result


def _value(field: DynamicField, raw: Any) -> Any:
    kind = field.field_type
    if kind == DynamicFieldType.INTEGER:
        return int(raw)
    if kind in (DynamicFieldType.DATE, DynamicFieldType.DATETIME):
        moment = parse_time(str(raw))
        if moment is None:
            raise ValueError(raw)
        return moment.date()
    return str(raw)


def _operator_q(field: DynamicField, operator: str, raw: Any) -> Q:
    kind = field.field_type
    keyed = kind in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT,
                     DynamicFieldType.CHECKBOX)  # fmt: skip
    texts = kind in (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA)
    values = raw if isinstance(raw, list) else [raw]
    if operator == "Empty":
        has = Exists(DynamicFieldValue.objects.filter(ticket_id=OuterRef("pk"), field=field))
        return ~Q(has) if flag({"v": raw}, "v") else Q(has)
    result = Q(pk__in=[])
    for item in values:
        if operator == "Equals" and keyed:
            result |= FieldFilter(field, keys=(str(item),)).q()
        elif operator == "Equals" and texts:
            result |= FieldFilter(field, text=str(item)).q()
        elif operator == "Like" and texts:
            result |= FieldFilter(field, text=_WILDCARD.sub(" ", str(item)).strip(),
                                  match=Match.CONTAINS).q()  # fmt: skip
        elif not keyed and not texts:
            value = _value(field, item)
            step = 1 if kind == DynamicFieldType.INTEGER else timedelta(days=1)
            bounds = {
                "Equals": (value, value),
                "GreaterThan": (value + step, None),
                "GreaterThanEquals": (value, None),
                "SmallerThan": (None, value - step),
                "SmallerThanEquals": (None, value),
            }
            if operator not in bounds:
                raise ValueError(operator)
            low, high = bounds[operator]
            result |= FieldFilter(field, low=low, high=high).q()
        else:
            raise ValueError(operator)
    return result


def _dynamic_fields_q(data: dict[str, Any], op: str) -> Q:
    condition = Q()
    for field, operators in _field_conditions(data, op):
        for operator, raw in operators.items():
            if operator == "Name":
                continue
            try:
                condition &= _operator_q(field, operator, raw)
            except (TypeError, ValueError):
                message = f"DynamicField_{field.name}->{operator} is invalid!"
                raise OperationError(op, "InvalidParameter", message) from None
    return condition


def _single(data: dict[str, Any], key: str) -> str:
    """A one-value parameter as a ``Criteria`` pattern (several values: ``_narrow``)."""
    values = as_list(data.get(key))
    return _pattern(values[0]) if len(values) == 1 else ""


def _locked(data: dict[str, Any]) -> bool | None:
    locks = {names.LOCK_NAMES.get(str(v), "-") for v in as_list(data.get("Locks"))}
    by_id = {"1": "unlock", "2": "lock", "3": "lock"}
    locks |= {by_id.get(str(v), "-") for v in as_list(data.get("LockIDs"))}
    if len(locks) != 1 or "-" in locks:
        return None  # none, both, or an unknown one: no filter
    return locks == {"lock"}


def criteria(data: dict[str, Any], op: str) -> Criteria:
    changed = _range(data, "TicketChangeTime", op)
    if changed.empty:
        changed = _range(data, "TicketLastChangeTime", op)
    return Criteria(
        number=_single(data, "TicketNumber"),
        title=_single(data, "Title"),
        fulltext=_fulltext(data),
        queues=_rows(Queue, data, "Queues", "QueueIDs"),
        subqueues=flag(data, "UseSubQueues"),
        states=_rows(State, data, "States", "StateIDs"),
        state_types=_state_types(data),
        priorities=_rows(Priority, data, "Priorities", "PriorityIDs"),
        types=_rows(TicketType, data, "Types", "TypeIDs"),
        owners=_int_list(data.get("OwnerIDs")),
        responsibles=_int_list(data.get("ResponsibleIDs")),
        locked=_locked(data),
        customer_user=_single(data, "CustomerUserLogin"),
        customer_company=_single(data, "CustomerID"),
        services=_plain(Service, data, "Services", "ServiceIDs", "full_name"),
        slas=_plain(SLA, data, "SLAs", "SLAIDs", "name"),
        created=_range(data, "TicketCreateTime", op),
        changed=changed,
        closed=_range(data, "TicketCloseTime", op),
        pending=_range(data, "TicketPendingTime", op),
        archive="include" if flag(data, "SearchInArchive") else "exclude",
    )


def _narrow(tickets: QuerySet[Ticket], data: dict[str, Any], op: str) -> QuerySet[Ticket]:
    """What ``Criteria`` has no attribute for: lists of numbers, titles and customers,
    ticket ids, watchers, creators, article times, dynamic field operators."""
    numbers = as_list(data.get("TicketNumber"))
    if len(numbers) > 1:
        tickets = tickets.filter(number__in=[str(n).strip() for n in numbers])
    titles = as_list(data.get("Title"))
    if len(titles) > 1:
        tickets = tickets.filter(title__in=[str(t).strip() for t in titles])
    customers = (
        ("CustomerUserLogin", "customer_user_id"),
        ("CustomerID", "customer_company_id"),
        ("CustomerIDRaw", "customer_company_id"),
    )
    for key, column in customers:
        values = as_list(data.get(key))
        if len(values) > 1 or (key == "CustomerIDRaw" and values):
            tickets = tickets.filter(**{f"{column}__in": [str(v) for v in values]})
    if data.get("TicketID") not in (None, ""):
        tickets = tickets.filter(pk__in=_int_list(data.get("TicketID")))
    if data.get("WatchUserIDs") not in (None, ""):
        tickets = tickets.filter(watchers__agent_id__in=_int_list(data["WatchUserIDs"]))
    if data.get("CreatedUserIDs") not in (None, ""):
        tickets = tickets.filter(created_by_id__in=_int_list(data["CreatedUserIDs"]))
    articles = _range(data, "ArticleCreateTime", op)
    if not articles.empty:
        start, end = articles.bounds(timezone.now())
        rows = Article.objects.filter(ticket_id=OuterRef("pk"))
        rows = rows.filter(created__gte=start) if start else rows
        rows = rows.filter(created__lt=end) if end else rows
        tickets = tickets.filter(Exists(rows))
    return tickets.filter(_dynamic_fields_q(data, op))


def _limit(data: dict[str, Any]) -> int:
    for key in ("Limit", "SearchLimit"):
        value = data.get(key)
        if value not in (None, "") and str(value).strip().isdigit() and int(value) > 0:
            return int(value)
    return DEFAULT_LIMIT


def _order(data: dict[str, Any]) -> list[Any]:
    sort_by = as_list(data.get("SortBy")) or ["Age"]
    order_by = as_list(data.get("OrderBy")) or ["Down"]
    ordering: list[Any] = []
    columns = []
    for number, key in enumerate(sort_by):
        column = SORT.get(str(key), "pk")
        up = str(order_by[min(number, len(order_by) - 1)]) == "Up"
        columns.append(column)
        if column == "pk":  # no NULLS clause: PostgreSQL then walks the primary key index
            ordering.append(F("pk").asc() if up else F("pk").desc())
        else:
            expression = F(column)
            ordering.append(
                expression.asc(nulls_last=True) if up else expression.desc(nulls_last=True)
            )
    if "pk" not in columns:
        # Ties in the order of the tickets' creation, newest first, as the default.
        ordering.append(F("pk").asc() if str(order_by[0]) == "Up" else F("pk").desc())
    return ordering


def ticket_search(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "TicketSearch"
    who = caller(request, data, op)
    agent: User = who.agent if who.agent is not None else Actor.system().user
    tickets = search_tickets(agent, criteria(data, op))
    if who.customer is not None:
        tickets = permissions.customer_tickets(who.customer, tickets)
    tickets = _narrow(tickets, data, op)
    found = list(tickets.order_by(*_order(data)).values_list("pk", flat=True)[: _limit(data)])
    if not found:
        return {}
    return {"TicketID": [str(pk) for pk in found]}
