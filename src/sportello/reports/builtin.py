"""The built-in reports: SLA compliance (``sla_compliance``), response/solution time
distributions, agent workload, state changes (reopened), backlog over time, channel mix.

Each is one or two statements that aggregate in the database. Working minutes are the
ones the SLA code stored when a ticket was answered and solved, in the calendar of the
ticket's SLA (or queue)."""

# ruff: noqa: S608  (table names and column expressions are constants of this module; every value is a parameter)

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.reports import periods
from sportello.reports.config import BuiltinConfig
from sportello.reports.engine import attribute_label, period_text
from sportello.reports.result import Result, Table, matrix_table
from sportello.reports.sla_compliance import queue_column, sla_compliance
from sportello.reports.sql import (
    CLOSED,
    NONE_LABEL,
    NOT_OPEN,
    Columns,
    Query,
    T,
    bucket_table,
    bucketing,
    db_time,
    fetch,
    in_list,
    labels,
    permission_filter,
    restrict,
)

Runner = Callable[[BuiltinConfig, User, datetime, tzinfo], list[Table]]


def _frame(
    config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo
) -> tuple[list[periods.Bucket], str, list[Any], Query]:
    start, end = periods.resolve(config.period, now, zone)
    bkts = periods.buckets(start, end, config.granularity, zone)
    cte, cte_params = bucket_table(bkts)
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns())
    return bkts, "WITH " + cte + " ", cte_params, query


# Upper bounds (working minutes) of the distribution's classes.
EDGES = (15, 60, 240, 480, 960, 2400)


def _class_labels() -> list[str]:
    def text(minutes: int) -> str:
        return (
            _("%(n)s min") % {"n": minutes} if minutes < 60 else _("%(n)s h") % {"n": minutes // 60}
        )

    result = [_("under %(bound)s") % {"bound": text(EDGES[0])}]
    for low, high in itertools.pairwise(EDGES):
        result.append(f"{text(low)} \u2013 {text(high)}")
    result.append(_("%(bound)s and more") % {"bound": text(EDGES[-1])})
    result.append(_("not yet"))
    return result


def _distribution(clock: str) -> Runner:
    def run(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
        start, end = periods.resolve(config.period, now, zone)
        query = Query()
        permission_filter(query, agent)
        queue = queue_column(config, query)
        restrict(query, config.restrictions, Columns(queue=queue))
        query.condition("t.created >= %s AND t.created < %s", db_time(start), db_time(end))
        cases = " ".join(f"WHEN m < {edge} THEN {i}" for i, edge in enumerate(EDGES))
        tail, params = query.tail()
        sql = (
            f"SELECT g, CASE WHEN m IS NULL THEN {len(EDGES) + 1} {cases} ELSE {len(EDGES)} END"
            f" AS c, COUNT(*) FROM (SELECT {queue} AS g, t.{clock}_minutes AS m"
            f" FROM {T['ticket']} t {tail}) x GROUP BY g, c"
        )
        found = fetch(sql, params)
        names = labels("queue", [row[0] for row in found])
        counts = {(row[0], row[1]): row[2] for row in found}
        groups = sorted({row[0] for row in found}, key=lambda k: names[k].lower())
        classes = _class_labels()
        title = _("First response time") if clock == "first_response" else _("Solution time")
        return [
            matrix_table(
                str(title),
                attribute_label("queue"),
                classes,
                [(names[g], [counts.get((g, c), 0) for c in range(len(classes))]) for g in groups],
            )
        ]

    return run


def agent_workload(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
    """Per agent in the period: answers, closes and notes (from history), and the open
    tickets they own now."""
    start, end = periods.resolve(config.period, now, zone)
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns(queue="h.queue_id_at"))
    query.condition("h.created >= %s AND h.created < %s", db_time(start), db_time(end))
    query.condition("h.actor_id IS NOT NULL")
    tail, params = query.tail()
    answers = "('SendAnswer', 'EmailAgent', 'PhoneCallAgent')"
    sql = (
        f"SELECT h.actor_id, SUM(CASE WHEN h.type IN {answers} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN h.type = 'StateUpdate' AND st.type = %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN h.type = 'AddNote' THEN 1 ELSE 0 END)"
        f" FROM {T['history']} h JOIN {T['ticket']} t ON t.id = h.ticket_id"
        f" JOIN {T['state']} st ON st.id = h.state_id_at {tail} GROUP BY h.actor_id"
    )
    done = {row[0]: row[1:] for row in fetch(sql, [CLOSED, *params])}
    owned_query = Query()
    permission_filter(owned_query, agent)
    restrict(owned_query, config.restrictions, Columns())
    owned_query.condition(f"st.type NOT IN {in_list(NOT_OPEN)}", *NOT_OPEN)
    tail, params = owned_query.tail()
    owned = dict(
        fetch(
            f"SELECT t.owner_id, COUNT(*) FROM {T['ticket']} t"
            f" JOIN {T['state']} st ON st.id = t.state_id {tail} GROUP BY t.owner_id",
            params,
        )
    )
    bkts = periods.buckets(start, end, config.granularity, zone)
    accounted = _accounted_time(config, agent, bkts, zone)
    spent: dict[int, int] = {}
    for (person_id, _index), minutes in accounted.items():
        spent[person_id] = spent.get(person_id, 0) + minutes
    people = User.objects.filter(pk__in=set(done) | set(owned) | set(spent), is_system=False)
    rows = []
    timed = []
    for person in sorted(people, key=lambda u: u.username):
        answered, closed, notes = done.get(person.pk, (0, 0, 0))
        name = person.get_full_name() or person.username
        rows.append(
            (
                name,
                [
                    owned.get(person.pk, 0),
                    int(answered or 0),
                    int(closed or 0),
                    int(notes or 0),
                    spent.get(person.pk, 0),
                ],
            )
        )
        if person.pk in spent:
            timed.append((name, [accounted.get((person.pk, i), 0) for i in range(len(bkts))]))
    workload = matrix_table(
        str(_("Agent workload")),
        str(_("Agent")),
        [
            _("Open tickets owned"),
            _("Answers"),
            _("Closed"),
            _("Notes"),
            _("Accounted time (minutes)"),
        ],
        rows,
        totals=False,
    )
    workload["kinds"][-1] = "minutes"
    per_period = matrix_table(
        str(_("Accounted time per agent (minutes)")),
        str(_("Agent")),
        [b.label for b in bkts],
        timed,
        kind="minutes",
    )
    return [workload, per_period]


def _accounted_time(
    config: BuiltinConfig, agent: User, bkts: list[periods.Bucket], zone: tzinfo
) -> dict[tuple[int, int], int]:
    """Minutes each agent accounted per period (by the entry's time), on tickets the
    reader may read now."""
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns())
    query.condition(
        "ta.created >= %s AND ta.created < %s", db_time(bkts[0].start), db_time(bkts[-1].end)
    )
    timing = bucketing(bkts, "ta.created", config.granularity, zone)
    if timing.join:
        query.join(timing.join)
    tail, params = query.tail()
    found = fetch(
        f"{timing.cte}SELECT ta.agent_id, {timing.expr}, SUM(ta.minutes)"
        f" FROM {T['time']} ta JOIN {T['ticket']} t ON t.id = ta.ticket_id {tail}"
        " GROUP BY 1, 2",
        [*timing.cte_params, *timing.params, *params],
    )
    result: dict[tuple[int, int], int] = {}
    for person_id, key, minutes in found:
        index = (person_id, timing.index(key))
        result[index] = result.get(index, 0) + int(minutes or 0)
    return result


def state_changes(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
    """State changes per period and new state, and how many reopened a closed ticket
    (the state before each change read from history with LAG)."""
    bkts, cte, cte_params, query = _frame(config, agent, now, zone)
    lo, hi = db_time(bkts[0].start), db_time(bkts[-1].end)
    query.condition("h.type IN ('NewTicket', 'StateUpdate')")
    query.condition(
        f"h.ticket_id IN (SELECT ticket_id FROM {T['history']} WHERE type = 'StateUpdate'"
        " AND created >= %s AND created < %s)",
        lo,
        hi,
    )
    tail, params = query.tail()
    sql = (
        f"{cte}, ch AS (SELECT h.created, h.type, h.state_id_at,"
        " LAG(h.state_id_at) OVER (PARTITION BY h.ticket_id ORDER BY h.id) AS prev"
        f" FROM {T['history']} h JOIN {T['ticket']} t ON t.id = h.ticket_id {tail})"
        " SELECT b.idx, ch.state_id_at, COUNT(*),"
        " SUM(CASE WHEN ps.type = %s AND cs.type <> %s THEN 1 ELSE 0 END)"
        " FROM ch JOIN buckets b ON ch.created >= b.lo AND ch.created < b.hi"
        f" JOIN {T['state']} cs ON cs.id = ch.state_id_at"
        f" LEFT JOIN {T['state']} ps ON ps.id = ch.prev"
        " WHERE ch.type = 'StateUpdate' GROUP BY b.idx, ch.state_id_at"
    )
    found = fetch(sql, [*cte_params, *params, CLOSED, CLOSED])
    names = labels("state", [row[1] for row in found])
    states = sorted({row[1] for row in found}, key=lambda k: names[k].lower())
    counts = {(row[0], row[1]): row[2] for row in found}
    reopened = [0] * len(bkts)
    for row in found:
        reopened[row[0]] += int(row[3] or 0)
    rows = [(names[s], [counts.get((i, s), 0) for i in range(len(bkts))]) for s in states]
    table = matrix_table(
        str(_("State changes")), str(_("New state")), [b.label for b in bkts], rows
    )
    table["rows"].append([_("Reopened"), *reopened, sum(reopened)])
    return [table]


def backlog(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
    """Open tickets at the end of each period per queue, from history: each ticket's
    spans of (queue, state) between its history rows (LEAD), counted where a span
    covers a period's end."""
    bkts, cte, cte_params, query = _frame(config, agent, now, zone)
    query.condition("h.type IN ('NewTicket', 'StateUpdate', 'Move')")
    query.condition("h.created < %s", db_time(bkts[-1].end))
    tail, params = query.tail()
    sql = (
        f"{cte}, spans AS (SELECT h.queue_id_at, h.state_id_at, h.created AS since,"
        " LEAD(h.created) OVER (PARTITION BY h.ticket_id ORDER BY h.id) AS until"
        f" FROM {T['history']} h JOIN {T['ticket']} t ON t.id = h.ticket_id {tail})"
        " SELECT b.idx, sp.queue_id_at, COUNT(*) FROM spans sp"
        " JOIN buckets b ON sp.since < b.hi AND (sp.until IS NULL OR sp.until >= b.hi)"
        f" JOIN {T['state']} st ON st.id = sp.state_id_at"
        f" WHERE st.type NOT IN {in_list(NOT_OPEN)} GROUP BY b.idx, sp.queue_id_at"
    )
    found = fetch(sql, [*cte_params, *params, *NOT_OPEN])
    names = labels("queue", [row[1] for row in found])
    queues = sorted({row[1] for row in found}, key=lambda k: names[k].lower())
    counts = {(row[0], row[1]): row[2] for row in found}
    rows = [(names[q], [counts.get((i, q), 0) for i in range(len(bkts))]) for q in queues]
    table = matrix_table(
        str(_("Open tickets at the end of each period")),
        attribute_label("queue"),
        [b.label for b in bkts],
        rows,
    )
    # A backlog is a level, not a flow: no row totals, the column totals stay.
    table["header"] = table["header"][:-1]
    table["kinds"] = table["kinds"][:-1]
    table["rows"] = [row[:-1] for row in table["rows"]]
    if table["footer"] is not None:
        table["footer"] = table["footer"][:-1]
    return [table]


def channel_mix(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
    """New tickets per period by how they came in (the ticket's recorded origin: email,
    phone, web form, API, GenericInterface, agent interface) and, for the portal's
    request forms, by form; then the requests sent although the customer had opened a
    FAQ article the form suggested. Tickets older than the recorded origin count by
    their first article's channel, API when created through the REST API."""
    start, end = periods.resolve(config.period, now, zone)
    bkts = periods.buckets(start, end, config.granularity, zone)
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns())
    query.join(f"LEFT JOIN {T['origin']} o ON o.ticket_id = t.id")
    query.join(f"LEFT JOIN {T['history']} h ON h.ticket_id = t.id AND h.type = 'NewTicket'")
    query.join(f"LEFT JOIN {T['article']} a ON a.ticket_id = t.id AND a.number = 1")
    query.condition("t.created >= %s AND t.created < %s", db_time(start), db_time(end))
    timing = bucketing(bkts, "t.created", config.granularity, zone)
    if timing.join:
        query.join(timing.join)
    tail, params = query.tail()
    channel = (
        "COALESCE(o.channel, CASE WHEN h.channel = 'api' THEN 'api'"
        " ELSE COALESCE(a.channel, '') END)"
    )
    found = fetch(
        f"{timing.cte}SELECT {timing.expr}, {channel}, o.request_form_id,"
        " MAX(o.request_form_name), COUNT(*),"
        " SUM(CASE WHEN o.faq_suggestion_opened THEN 1 ELSE 0 END)"
        f" FROM {T['ticket']} t {tail} GROUP BY 1, 2, 3",
        [*timing.cte_params, *timing.params, *params],
    )
    counts: dict[tuple[int, Any], int] = {}
    opened = [0] * len(bkts)
    form_names: dict[Any, str] = {}
    for bucket, chan, form_id, form_name, n, suggested in found:
        index = timing.index(bucket)
        key = (index, (chan, form_id))
        counts[key] = counts.get(key, 0) + int(n)
        opened[index] += int(suggested or 0)
        if form_id is not None:
            form_names[form_id] = form_name or str(form_id)
    names = _origin_labels()
    groups = {key[1] for key in counts}

    def label(group: tuple[Any, Any]) -> str:
        chan, form_id = group
        text = names.get(chan) or NONE_LABEL
        return f"{text}: {form_names[form_id]}" if form_id is not None else text

    ordered = sorted(groups, key=lambda g: label(g).lower())
    rows = [(label(g), [counts.get((i, g), 0) for i in range(len(bkts))]) for g in ordered]
    table = matrix_table(
        str(_("New tickets by channel and request form")),
        str(_("Channel")),
        [b.label for b in bkts],
        rows,
    )
    # Not a channel: the footer's totals stay those of the channels above.
    table["rows"].append([_("FAQ suggestion opened, still sent"), *opened, sum(opened)])
    return [table]


def _origin_labels() -> dict[str, str]:
    from sportello.tickets.models import Channel, OriginChannel

    found = {str(k): str(v) for k, v in Channel.choices}
    found.update({str(k): str(v) for k, v in OriginChannel.choices})
    return found


REPORTS: dict[str, Runner] = {
    "sla_compliance": sla_compliance,
    "first_response_distribution": _distribution("first_response"),
    "solution_distribution": _distribution("solution"),
    "agent_workload": agent_workload,
    "state_changes": state_changes,
    "backlog": backlog,
    "channel_mix": channel_mix,
}


def run_builtin(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> Result:
    start, end = periods.resolve(config.period, now, zone)
    tables = REPORTS[config.report](config, agent, now, zone)
    return Result(
        title="",
        period=period_text(start, end),
        chart=config.chart if any(t["chartable"] for t in tables) else "none",
        tables=tables,
        truncated=0,
    )
