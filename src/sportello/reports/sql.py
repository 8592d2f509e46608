"""SQL building blocks shared by the statistics: table names, the permission filter,
restrictions, attribute expressions, the bucket table, and labels for the ids found.

Every statement aggregates in the database (GROUP BY, window functions); Python only
names the few distinct values a result has."""

# ruff: noqa: S608  (table names and column expressions are constants of this module; every value is a parameter)

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.customers.models import CustomerCompany
from sportello.queues.models import Queue
from sportello.reports.config import Restriction
from sportello.reports.periods import Bucket
from sportello.sla.models import SLA, Service
from sportello.tickets.models import (
    Article,
    DynamicField,
    DynamicFieldType,
    DynamicFieldValue,
    History,
    Priority,
    State,
    StateType,
    Ticket,
    TicketOrigin,
    TicketType,
    TimeAccounting,
)

T = {
    "ticket": Ticket._meta.db_table,
    "history": History._meta.db_table,
    "article": Article._meta.db_table,
    "state": State._meta.db_table,
    "queue": Queue._meta.db_table,
    "dfv": DynamicFieldValue._meta.db_table,
    "service": Service._meta.db_table,
    "time": TimeAccounting._meta.db_table,
    "origin": TicketOrigin._meta.db_table,
}
# Plain strings: the PostgreSQL driver would send an enum member's name.
CLOSED = str(StateType.CLOSED.value)
NOT_OPEN = (CLOSED, str(StateType.MERGED.value), str(StateType.REMOVED.value))
NONE_LABEL = "\u2013"


@dataclass
class Query:
    """Pieces of one statement: joins and conditions with their parameters in order."""

    joins: list[str] = field(default_factory=list)
    join_params: list[Any] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def join(self, sql: str, *params: Any) -> None:
        self.joins.append(sql)
        self.join_params.extend(params)

    def condition(self, sql: str, *params: Any) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def tail(self) -> tuple[str, list[Any]]:
        where = " AND ".join(self.where) or "1=1"
        return " ".join(self.joins) + " WHERE " + where, self.join_params + self.params


def db_time(moment: datetime) -> Any:
    """A datetime as the database compares it (SQLite: its stored text form)."""
    return connection.ops.adapt_datetimefield_value(moment)


def in_list(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def permission_filter(query: Query, agent: User, ticket_alias: str = "t") -> None:
    """Only tickets ``agent`` may read: the one question to the permission module, as a
    condition on the ticket's queue (left out when every queue is readable)."""
    readable = permissions.readable_queues(agent)
    if agent.is_system:
        return
    ids = list(readable.values_list("pk", flat=True))
    if len(ids) == Queue.objects.count():
        return
    if not ids:
        query.condition("1=0")
        return
    query.condition(f"{ticket_alias}.queue_id IN {in_list(ids)}", *ids)


def history_permission_filter(query: Query, agent: User) -> None:
    """``permission_filter`` for statements that read history rows (``h``): the same
    question (the ticket's current queue readable), asked without joining the ticket
    table when every queue is readable, and otherwise against the smaller side: the
    tickets in unreadable queues (NOT EXISTS) or in readable ones (EXISTS), sized by the
    ticket tallies."""
    from django.db.models import Sum

    from sportello.tickets.models import TicketTally

    if agent.is_system:
        return
    readable = set(permissions.readable_queues(agent).values_list("pk", flat=True))
    everything = set(Queue.objects.values_list("pk", flat=True))
    hidden = sorted(everything - readable)
    if not hidden:
        return
    if not readable:
        query.condition("1=0")
        return

    def tickets_in(ids: Any) -> int:
        total = TicketTally.objects.filter(queue_id__in=ids).aggregate(n=Sum("n"))["n"]
        return int(total or 0)

    ticket = T["ticket"]
    if tickets_in(hidden) <= tickets_in(readable):
        query.condition(
            f"NOT EXISTS (SELECT 1 FROM {ticket} u WHERE u.id = h.ticket_id"
            f" AND u.queue_id IN {in_list(hidden)})",
            *hidden,
        )
    else:
        shown = sorted(readable)
        query.condition(
            f"EXISTS (SELECT 1 FROM {ticket} u WHERE u.id = h.ticket_id"
            f" AND u.queue_id IN {in_list(shown)})",
            *shown,
        )


@dataclass
class Bucketing:
    """How rows fall into the time buckets: on PostgreSQL ``date_trunc`` in the reader's
    zone (one expression per row, grouped by its value); elsewhere a join with the table
    of bucket boundaries. ``index`` maps a grouped key to the bucket's position."""

    items: Sequence[Bucket]
    expr: str
    params: list[Any]
    cte: str = ""
    cte_params: list[Any] = field(default_factory=list)
    join: str = ""
    starts: list[Any] = field(default_factory=list)

    def index(self, key: Any) -> int:
        if not self.starts:
            return int(key)
        import bisect

        if isinstance(key, str):
            key = datetime.fromisoformat(key)
        return max(0, bisect.bisect_right(self.starts, key) - 1)


def bucketing(items: Sequence[Bucket], time_expr: str, granularity: str, zone: Any) -> Bucketing:
    name = getattr(zone, "key", None)
    if connection.vendor == "postgresql" and name:
        if granularity == "hour":
            # Whole-hour offsets: UTC hours are the reader's hours.
            starts = [item.start.astimezone(UTC) for item in items]
            return Bucketing(items, f"date_trunc('hour', {time_expr})", [], starts=starts)
        starts = [item.start.replace(tzinfo=None) for item in items]
        return Bucketing(
            items,
            f"date_trunc(%s, {time_expr} AT TIME ZONE %s)",
            [granularity, name],
            starts=starts,
        )
    cte, cte_params = bucket_table(items)
    return Bucketing(
        items,
        "b.idx",
        [],
        cte="WITH " + cte + " ",
        cte_params=cte_params,
        join=f"JOIN buckets b ON {time_expr} >= b.lo AND {time_expr} < b.hi",
    )


def bucket_table(items: Sequence[Bucket]) -> tuple[str, list[Any]]:
    """``buckets(idx, lo, hi)`` as a CTE body of literal rows."""
    rows = ", ".join("(%s, %s, %s)" for _ in items)
    params: list[Any] = []
    for index, item in enumerate(items):
        params += [index, db_time(item.start), db_time(item.end)]
    return f"buckets(idx, lo, hi) AS (VALUES {rows})", params


def dynamic_field(name: str, types: Iterable[str]) -> DynamicField:
    found = DynamicField.objects.filter(name=name, object_type="ticket").first()
    if found is None or found.field_type not in set(types):
        raise InvalidInput(_("No ticket dynamic field “%(name)s” of a suitable type."), name=name)
    return found


@dataclass(frozen=True)
class Columns:
    """Where the time, queue and state of a row come from (ticket or history row)."""

    queue: str = "t.queue_id"
    state: str = "t.state_id"


def attribute_expr(query: Query, attribute: str, cols: Columns, alias: str) -> str:
    """The SQL expression of ``attribute`` (joins added to ``query``)."""
    simple = {
        "queue": cols.queue,
        "state": cols.state,
        "priority": "t.priority_id",
        "type": "t.type_id",
        "owner": "t.owner_id",
        "responsible": "t.responsible_id",
        "customer_company": "t.customer_company_id",
        "service": "t.service_id",
        "sla": "t.sla_id",
    }
    if attribute in simple:
        return simple[attribute]
    if attribute == "state_type":
        query.join(f"JOIN {T['state']} {alias} ON {alias}.id = {cols.state}")
        return f"{alias}.type"
    name = attribute.removeprefix("df:")
    df = dynamic_field(name, (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT))
    # A multiselect ticket counts once under each of its values; none under "\u2013".
    query.join(
        f"LEFT JOIN {T['dfv']} {alias} ON {alias}.ticket_id = t.id AND {alias}.field_id = %s",
        df.pk,
    )
    return f"{alias}.value_key"


def restrict(query: Query, restrictions: Sequence[Restriction], cols: Columns) -> None:
    for number, item in enumerate(restrictions):
        values = list(item.values)
        if item.attribute.startswith("df:"):
            df = dynamic_field(item.attribute[3:], [t.value for t in DynamicFieldType])
            query.condition(
                f"EXISTS (SELECT 1 FROM {T['dfv']} r{number} WHERE r{number}.ticket_id = t.id "
                f"AND r{number}.field_id = %s AND r{number}.value_key IN {in_list(values)})",
                df.pk,
                *values,
            )
            continue
        if item.attribute == "state_type":
            query.condition(
                f"{cols.state} IN (SELECT id FROM {T['state']} WHERE type IN {in_list(values)})",
                *values,
            )
            continue
        expr = attribute_expr(query, item.attribute, cols, f"ra{number}")
        if item.attribute != "customer_company":
            try:
                values = [int(value) for value in values]  # type: ignore[misc]
            except ValueError:
                raise InvalidInput(
                    _("The restriction on %(attribute)s takes ids."), attribute=item.attribute
                ) from None
        query.condition(f"{expr} IN {in_list(values)}", *values)


def labels(attribute: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Readable names of the distinct values an attribute took (in the reader's
    language where they are translated)."""
    wanted = {key for key in keys if key is not None}
    found: dict[Any, str] = {None: NONE_LABEL, "": NONE_LABEL}
    models: dict[str, tuple[Any, str]] = {
        "queue": (Queue, "full_name"),
        "state": (State, "name"),
        "priority": (Priority, "name"),
        "type": (TicketType, "name"),
        "service": (Service, "full_name"),
        "sla": (SLA, "name"),
    }
    if attribute in models:
        model, name = models[attribute]
        found.update(model.objects.filter(pk__in=wanted).values_list("pk", name))
    elif attribute in ("owner", "responsible"):
        for user in User.objects.filter(pk__in=wanted):
            found[user.pk] = user.get_full_name() or user.username
    elif attribute == "customer_company":
        found.update(
            CustomerCompany.objects.filter(customer_id__in=wanted).values_list(
                "customer_id", "name"
            )
        )
    elif attribute == "state_type":
        found.update({key: str(StateType(key).label) for key in wanted if key in StateType})
    elif attribute == "channel":
        from sportello.tickets.models import Channel

        found.update({key: str(Channel(key).label) for key in wanted if key in Channel})
    elif attribute.startswith("df:"):
        df = DynamicField.objects.filter(name=attribute[3:]).first()
        if df is not None:
            found.update({key: df.choice_label(key) for key in wanted})
    for key in wanted:
        found.setdefault(key, str(key))
    return found


def as_datetime(value: Any) -> datetime | None:
    """A timestamp read by a raw statement (SQLite: naive UTC text), aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# Sort memory for one statistic's statement on PostgreSQL (SET LOCAL: this statement
# only): percentiles sort the period's tickets, which spill to disk at the default 4 MB.
WORK_MEM = "64MB"


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())
