"""Matrix and list statistics as single SQL statements (see ``reports.sql``).

Figures about the past read the append-only history: a ticket created in queue A and
moved to B later counts under A for "created", and a close counts under the queue the
ticket was in when it was closed."""

# ruff: noqa: S608  (table names and column expressions are constants of this module; every value is a parameter)

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.reports import periods
from sportello.reports.config import ATTRIBUTES, ListConfig, MatrixConfig
from sportello.reports.result import Result, Table, cell, matrix_table
from sportello.reports.sql import (
    CLOSED,
    Bucketing,
    Columns,
    Query,
    T,
    as_datetime,
    attribute_expr,
    bucketing,
    db_time,
    dynamic_field,
    fetch,
    history_permission_filter,
    labels,
    permission_filter,
    restrict,
)
from sportello.tickets.models import DynamicFieldType


def attribute_label(attribute: str) -> str:
    names = {
        "queue": _("Queue"),
        "state": _("State"),
        "state_type": _("State type"),
        "priority": _("Priority"),
        "type": _("Type"),
        "owner": _("Owner"),
        "responsible": _("Responsible"),
        "customer_company": _("Customer company"),
        "service": _("Service"),
        "sla": _("SLA"),
        "time": _("Time"),
        "channel": _("Channel"),
    }
    if attribute in names:
        return str(names[attribute])
    from sportello.tickets.models import DynamicField

    df = DynamicField.objects.filter(name=attribute.removeprefix("df:")).first()
    return df.label if df else attribute


def period_text(start: datetime, end: datetime) -> str:
    from datetime import timedelta

    last = (end - timedelta(microseconds=1)).date()
    first = start.date()
    return f"{formats.date_format(first, 'SHORT_DATE_FORMAT')} \u2013 " + formats.date_format(
        last, "SHORT_DATE_FORMAT"
    )


_TICKET_COLUMN = re.compile(r"\bt\.")


def _source(time_field: str, query: Query) -> tuple[str, str, Columns]:
    """FROM clause, the time expression and where queue and state come from."""
    closed = f"SELECT id FROM {T['state']} WHERE type = %s"
    with_history = f"FROM {T['history']} h JOIN {T['ticket']} t ON t.id = h.ticket_id"
    if time_field == "created":
        query.condition("h.type = 'NewTicket'")
        return with_history, "h.created", Columns(queue="h.queue_id_at")
    if time_field == "closed":
        query.condition("h.type = 'StateUpdate'")
        query.condition(f"h.state_id_at IN ({closed})", CLOSED)
        return with_history, "h.created", Columns(queue="h.queue_id_at", state="h.state_id_at")
    if time_field == "first_response":
        return f"FROM {T['ticket']} t", "t.first_response_at", Columns()
    return with_history, "h.created", Columns(queue="h.queue_id_at", state="h.state_id_at")


def run_matrix(config: MatrixConfig, agent: User, now: datetime, zone: tzinfo) -> Result:
    start, end = periods.resolve(config.period, now, zone)
    query = Query()
    base, time_expr, cols = _source(config.time_field, query)
    if base.startswith(f"FROM {T['history']} h"):
        history_permission_filter(query, agent)
    else:
        permission_filter(query, agent)
    restrict(query, config.restrictions, cols)
    axes = [config.x, config.y]
    time_axis = next((axis for axis in axes if axis and axis.attribute == "time"), None)
    query.condition(f"{time_expr} >= %s AND {time_expr} < %s", db_time(start), db_time(end))
    bkts: list[periods.Bucket] = []
    timing: Bucketing | None = None
    if time_axis is not None:
        bkts = periods.buckets(start, end, time_axis.granularity, zone)
        timing = bucketing(bkts, time_expr, time_axis.granularity, zone)
        if timing.join:
            query.join(timing.join)
    exprs: list[str] = []
    select_params: list[Any] = []
    for number, axis in enumerate(axes):
        if axis is None:
            exprs.append("0")
        elif axis.attribute == "time":
            assert timing is not None
            exprs.append(timing.expr)
            select_params += timing.params
        else:
            exprs.append(attribute_expr(query, axis.attribute, cols, f"ax{number}"))
    accounted = config.value == "accounted_time"
    # Each ticket's accounted time, where the ticket counts (in the period's rows only).
    measures = f"SUM({ACCOUNTED.replace('o.id', 't.id')})" if accounted else "COUNT(*)"
    if config.sum_field:
        df = dynamic_field(config.sum_field, [DynamicFieldType.INTEGER])
        query.join(f"LEFT JOIN {T['dfv']} sv ON sv.ticket_id = t.id AND sv.field_id = %s", df.pk)
        measures += ", SUM(sv.value_int)"
    tail, params = query.tail()
    if base.startswith(f"FROM {T['history']} h JOIN") and not _TICKET_COLUMN.search(
        f"{exprs[0]} {exprs[1]} {measures} {tail}"
    ):
        # Every figure comes from the history row: the ticket rows are not needed.
        base = f"FROM {T['history']} h"
    group_by = "1" if config.y is None else "1, 2"
    cte = timing.cte if timing else ""
    cte_params = timing.cte_params if timing else []
    sql = f"{cte}SELECT {exprs[0]}, {exprs[1]}, {measures} {base} {tail} GROUP BY {group_by}"
    found = fetch(sql, [*cte_params, *select_params, *params])
    if timing is not None:
        # Bucket keys (truncated times on PostgreSQL) as positions, summed per position.
        position = 0 if axes[0] is time_axis else 1
        merged: dict[tuple[Any, Any], list[Any]] = {}
        for row in found:
            key = list(row[:2])
            key[position] = timing.index(key[position])
            values = merged.setdefault((key[0], key[1]), [key[0], key[1], 0, 0])
            values[2] += row[2] or 0
            if config.sum_field:
                values[3] += row[3] or 0
        found = [tuple(values) for values in merged.values()]

    def keys(index: int) -> tuple[list[Any], dict[Any, str]]:
        axis = axes[index]
        if axis is None:
            return [0], {0: str(_("Total"))}
        if axis.attribute == "time":
            return list(range(len(bkts))), {i: b.label for i, b in enumerate(bkts)}
        named = labels(axis.attribute, [row[index] for row in found])
        ordered = sorted({row[index] for row in found}, key=lambda k: named[k].lower())
        return ordered, named

    x_keys, x_names = keys(0)
    y_keys, y_names = keys(1)
    counts = {(row[0], row[1]): row[2] for row in found}
    x_title = attribute_label(config.x.attribute)
    y_title = attribute_label(config.y.attribute) if config.y else ""
    row_header = f"{y_title} \\ {x_title}" if y_title else x_title
    columns = [x_names[k] for k in x_keys]
    tables: list[Table] = [
        matrix_table(
            str(_("Accounted time (minutes)") if accounted else _("Tickets")),
            row_header,
            columns,
            [(y_names[y], [counts.get((x, y), 0) or 0 for x in x_keys]) for y in y_keys],
            kind="minutes" if accounted else "int",
        )
    ]
    if config.sum_field:
        sums = {(row[0], row[1]): row[3] or 0 for row in found}
        tables.append(
            matrix_table(
                _("Sum of %(field)s") % {"field": attribute_label("df:" + config.sum_field)},
                row_header,
                columns,
                [(y_names[y], [sums.get((x, y), 0) for x in x_keys]) for y in y_keys],
            )
        )
    return Result(
        title="",
        period=period_text(start, end),
        chart=config.chart,
        tables=tables,
        truncated=0,
    )


_LIST_SQL = {
    "number": "t.number",
    "title": "t.title",
    "created": "t.created",
    "changed": "t.changed",
    "queue": "t.queue_id",
    "state": "t.state_id",
    "priority": "t.priority_id",
    "type": "t.type_id",
    "owner": "t.owner_id",
    "responsible": "t.responsible_id",
    "customer_user": "t.customer_user_id",
    "customer_company": "t.customer_company_id",
    "service": "t.service_id",
    "sla": "t.sla_id",
    "first_response_due": "t.first_response_due",
    "update_due": "t.update_due",
    "solution_due": "t.solution_due",
    "first_response_at": "t.first_response_at",
    "first_response_minutes": "t.first_response_minutes",
    "solution_minutes": "t.solution_minutes",
}
_ARTICLES = f"(SELECT COUNT(*) FROM {T['article']} a WHERE a.ticket_id = t.id)"
# A ticket's accounted minutes (of the outer row ``o``).
ACCOUNTED = f"(SELECT COALESCE(SUM(ta.minutes), 0) FROM {T['time']} ta WHERE ta.ticket_id = o.id)"
_KINDS = {
    "created": "datetime",
    "changed": "datetime",
    "first_response_due": "datetime",
    "update_due": "datetime",
    "solution_due": "datetime",
    "first_response_at": "datetime",
    "first_response_minutes": "minutes",
    "solution_minutes": "minutes",
    "articles": "int",
    "accounted_minutes": "minutes",
}


def column_label(column: str) -> str:
    names = {
        "number": _("Ticket number"),
        "title": _("Title"),
        "created": _("Created"),
        "changed": _("Changed"),
        "customer_user": _("Customer user"),
        "first_response_due": _("First response due"),
        "update_due": _("Update due"),
        "solution_due": _("Solution due"),
        "first_response_at": _("First response"),
        "first_response_minutes": _("First response time (working minutes)"),
        "solution_minutes": _("Solution time (working minutes)"),
        "articles": _("Articles"),
        "accounted_minutes": _("Accounted time (minutes)"),
    }
    return str(names[column]) if column in names else attribute_label(column)


def run_list(config: ListConfig, agent: User, now: datetime, zone: tzinfo) -> Result:
    start, end = periods.resolve(config.period, now, zone)
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns())
    if config.time_field == "created":
        query.condition("t.created >= %s AND t.created < %s", db_time(start), db_time(end))
    else:
        query.condition(
            f"EXISTS (SELECT 1 FROM {T['history']} h WHERE h.ticket_id = t.id "
            "AND h.type = 'StateUpdate' AND h.created >= %s AND h.created < %s "
            f"AND h.state_id_at IN (SELECT id FROM {T['state']} WHERE type = %s))",
            db_time(start),
            db_time(end),
            CLOSED,
        )
    computed = {"articles": _ARTICLES, "accounted_minutes": ACCOUNTED.replace("o.id", "t.id")}
    order = computed.get(config.sort) or _LIST_SQL[config.sort]
    direction = "DESC" if config.descending else "ASC"
    tail, params = query.tail()
    inner = (
        f"SELECT t.* FROM {T['ticket']} t {tail} "
        f"ORDER BY {order} {direction}, t.id {direction} LIMIT %s"
    )
    # Article counts and accounted time are read for the rows shown only (outside the
    # limit).
    if config.sort in computed:
        shown = config.sort in config.columns
        outer_order = f"o_{config.sort}" if shown else order.replace("t.id", "o.id")
    else:
        outer_order = order.replace("t.", "o.")
    selected = [
        f"({computed[column].replace('t.id', 'o.id')}) AS o_{column}"
        if column in computed
        else _LIST_SQL[column].replace("t.", "o.")
        for column in config.columns
    ]
    sql = (
        f"SELECT {', '.join(selected)} FROM ({inner}) o "
        f"ORDER BY {outer_order} {direction}, o.id {direction}"
    )
    found = fetch(sql, [*params, config.limit + 1])
    truncated = max(0, len(found) - config.limit)
    found = found[: config.limit]
    names: dict[str, dict[Any, str]] = {}
    for index, column in enumerate(config.columns):
        if column in ATTRIBUTES and column != "customer_company":
            names[column] = labels(column, [row[index] for row in found])
    rows = []
    for row in found:
        line = []
        for index, column in enumerate(config.columns):
            value = row[index]
            if column in names:
                value = names[column][value]
            elif _KINDS.get(column) == "datetime":
                value = as_datetime(value)
            line.append(cell(value))
        rows.append(line)
    table = Table(
        title=str(_("Tickets")),
        header=[column_label(column) for column in config.columns],
        kinds=[_KINDS.get(column, "text") for column in config.columns],
        rows=rows,
        footer=None,
        chartable=False,
    )
    return Result(
        title="",
        period=period_text(start, end),
        chart="none",
        tables=[table],
        truncated=truncated,
    )
