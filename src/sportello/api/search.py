"""Ticket search for the API: query parameters onto the agent search's ``Criteria``
(``search.services``, which applies the permission filter), newest first, with an opaque
cursor. A cursor is the id of the last ticket seen: paging costs the same on page 1 and
page 10,000, and a client may page as far as the matches go."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.search.services import Criteria, TimeRange, newest_rows, search_tickets
from sportello.sla.models import SLA, Service
from sportello.tickets import selectors
from sportello.tickets.dynamic_fields import FieldFilter, Match, ticket_fields
from sportello.tickets.models import (
    DynamicField,
    DynamicFieldType,
    Priority,
    State,
    Ticket,
    TicketType,
)

MAX_PAGE = 200
_CURSOR_PREFIX = "t1:"


class SearchQuery(Schema):
    number: str = ""
    title: str = ""
    fulltext: str = ""
    queue: list[str] = []
    subqueues: bool = True
    state: list[str] = []
    state_type: list[str] = []
    priority: list[str] = []
    type: list[str] = []
    owner: list[str] = []
    responsible: list[str] = []
    locked: bool | None = None
    customer_user: str = ""
    customer_company: str = ""
    service: list[str] = Field([], description="Service full names; any of them.")
    sla: list[str] = Field([], description="SLA names; any of them.")
    field: list[str] = Field(
        [],
        description=(
            "Ticket dynamic field conditions, all of which must hold, each `NAME=VALUE` "
            "(text equals, case-insensitive; dropdown or multiselect key, repeated for "
            "any of several keys; checkbox 1 or 0; an integer or a date exactly), "
            "`NAME~TEXT` (text contains), `NAME>=LOW` or `NAME<=HIGH` (integer, date, "
            "datetime by day; inclusive). Dates as YYYY-MM-DD."
        ),
    )
    created_after: datetime | None = None
    created_before: datetime | None = None
    changed_after: datetime | None = None
    changed_before: datetime | None = None
    archive: Literal["exclude", "include", "only"] = "exclude"
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    cursor: str = ""


def _ids(model: type[Model], attribute: str, names: list[str], field: str) -> list[int]:
    if not names:
        return []
    found = dict(
        model._default_manager.filter(**{f"{attribute}__in": names}).values_list(attribute, "pk")
    )
    unknown = [n for n in names if n not in found]
    if unknown:
        raise InvalidInput(_("Unknown value for %(field)s: %(name)s"), field=field, name=unknown[0])
    return [found[n] for n in names]


def criteria(query: SearchQuery) -> Criteria:
    return Criteria(
        number=query.number,
        title=query.title,
        fulltext=query.fulltext,
        queues=_ids(Queue, "full_name", query.queue, "queue"),
        subqueues=query.subqueues,
        states=_ids(State, "name", query.state, "state"),
        state_types=query.state_type,
        priorities=_ids(Priority, "name", query.priority, "priority"),
        types=_ids(TicketType, "name", query.type, "type"),
        owners=_ids(User, "username", query.owner, "owner"),
        responsibles=_ids(User, "username", query.responsible, "responsible"),
        locked=query.locked,
        customer_user=query.customer_user,
        customer_company=query.customer_company,
        services=_ids(Service, "full_name", query.service, "service"),
        slas=_ids(SLA, "name", query.sla, "sla"),
        dynamic_fields=field_filters(query.field),
        created=TimeRange(start=query.created_after, end=query.created_before),
        changed=TimeRange(start=query.changed_after, end=query.changed_before),
        archive=query.archive,
    )


_CONDITION = re.compile(r"^([^=~<>]+)(>=|<=|=|~)(.*)$", re.DOTALL)
_RANGE = (DynamicFieldType.INTEGER, DynamicFieldType.DATE, DynamicFieldType.DATETIME)
_TEXT = (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA)


def _bound(field: DynamicField, text: str) -> Any:
    try:
        if field.field_type == DynamicFieldType.INTEGER:
            return int(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("Invalid value for %(field)s: %(problem)s"), field="field", problem=text
        ) from None


def _keys(field: DynamicField) -> set[str]:
    if field.field_type == DynamicFieldType.CHECKBOX:
        return {"1", "0"}
    return {str(choice.get("key")) for choice in field.choices or []}


def field_filters(conditions: list[str]) -> list[FieldFilter]:
    """``field`` parameters onto the agent search's dynamic field conditions (one
    ``FieldFilter`` per field, as the search form builds them)."""
    if not conditions:
        return []
    fields = {f.name: f for f in ticket_fields()}
    parts: dict[str, dict[str, Any]] = {}
    for condition in conditions:
        found = _CONDITION.match(condition)
        field = fields.get(found.group(1).strip()) if found else None
        if found is None or field is None:
            raise InvalidInput(
                _("Unknown value for %(field)s: %(name)s"), field="field", name=condition
            )
        operator, value = found.group(2), found.group(3)
        kind = field.field_type
        part = parts.setdefault(field.name, {"keys": ()})
        if kind in _RANGE and operator in ("=", ">=", "<="):
            bound = _bound(field, value)
            if operator != "<=":
                part["low"] = bound
            if operator != ">=":
                part["high"] = bound
        elif kind in _TEXT and operator in ("=", "~"):
            part["text"] = value
            part["match"] = Match.CONTAINS if operator == "~" else Match.EQUALS
        elif kind not in _RANGE + _TEXT and operator == "=" and value in _keys(field):
            part["keys"] = (*part["keys"], value)
        else:
            raise InvalidInput(
                _("Invalid value for %(field)s: %(problem)s"), field="field", problem=condition
            )
    return [FieldFilter(fields[name], **part) for name, part in parts.items()]


def encode_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{ticket_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_CURSOR_PREFIX):
            value = int(text[len(_CURSOR_PREFIX) :])
            if value > 0:
                return value
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(_("The cursor is not valid."), field="cursor")


def page(agent: User, query: SearchQuery) -> tuple[list[Ticket], str | None]:
    chosen = criteria(query)
    tickets = search_tickets(agent, chosen)
    below = decode_cursor(query.cursor) if query.cursor else None
    if below is not None:
        tickets = tickets.filter(pk__lt=below)
    if chosen.fulltext.strip():
        # As the agent search's pages: the newest tickets first, then every match sorted
        # (a rare word otherwise walks the tickets down to the oldest).
        recent = functools.partial(search_tickets, agent, chosen)
        rows = newest_rows(tickets, query.limit + 1, recent=recent, below=below)
    else:
        rows = list(tickets[: query.limit + 1])
    # The related rows afterwards (``with_relations``), not joined: PostgreSQL took far
    # longer to plan the statement with eight joins than to run it.
    more = len(rows) > query.limit
    rows = selectors.with_relations(rows[: query.limit])
    return rows, encode_cursor(rows[-1].pk) if more else None
