"""The SLA compliance report: per queue (or SLA) and period, how many met and breached
their first response, update and solution times, the share met, median and 90th
percentile in working minutes.

Every figure is a stored one, aggregated in the database: the first response and
solution minutes the SLA code stored on the ticket, the update minutes it stored per
customer contact (``sla.models.UpdateWait``, OTRS's UpdateTime), all in the calendar
of the ticket's SLA (or queue). Percentiles are nearest-rank: PostgreSQL's ordered-set
``percentile_disc``; elsewhere the row of rank ceil(p * n) picked with window functions
(the same values)."""

# ruff: noqa: S608  (table names and column expressions are constants of this module; every value is a parameter)

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sportello.accounts.models import User
from sportello.reports import periods
from sportello.reports.config import BuiltinConfig
from sportello.reports.engine import attribute_label
from sportello.reports.result import Table
from sportello.reports.sql import (
    Bucketing,
    Columns,
    Query,
    T,
    bucketing,
    db_time,
    fetch,
    labels,
    permission_filter,
    restrict,
)
from sportello.sla.models import SLA, UpdateWait


@dataclass(frozen=True)
class Clock:
    name: str
    label: Any
    # Stored working minutes, the SLA's target, the due time of one not yet reached.
    minutes: str
    target: str
    due: str


@dataclass(frozen=True)
class Source:
    """What a clock counts: tickets created in the period, or customer contacts. The
    table takes the period's start and end ``bounds`` times, in that order, where its
    own conditions need them."""

    table: str
    time: str
    clocks: tuple[Clock, ...]
    bounds: int = 0
    # The queue a row counts under when it is not the one the ticket was created in.
    queue: str = ""

    def params(self, start: datetime, end: datetime) -> list[Any]:
        return [db_time(start), db_time(end)] * self.bounds


TICKETS = Source(
    f"{T['ticket']} t",
    "t.created",
    (
        Clock(
            "first_response",
            gettext_lazy("First response"),
            "t.first_response_minutes",
            "s.first_response_minutes",
            "t.first_response_due",
        ),
        Clock(
            "solution",
            gettext_lazy("Solution"),
            "t.solution_minutes",
            "s.solution_minutes",
            "t.solution_due",
        ),
    ),
)
# The answered contacts (stored with their minutes and the queue of the moment) and the
# ones still waiting (on the ticket, in its queue now), each read by its own index for
# the period. One still waiting is late once the ticket's update clock is: the due time
# the escalations use, none while the ticket is closed or pending.
_WAITS = UpdateWait._meta.db_table
CONTACTS = Source(
    f"(SELECT ticket_id, queue_id, contact_at, minutes FROM {_WAITS}"
    " WHERE contact_at >= %s AND contact_at < %s"
    f" UNION ALL SELECT id, queue_id, update_wait_since, NULL FROM {T['ticket']}"
    " WHERE update_wait_since >= %s AND update_wait_since < %s) w"
    f" JOIN {T['ticket']} t ON t.id = w.ticket_id",
    "w.contact_at",
    (Clock("update", gettext_lazy("Update"), "w.minutes", "s.update_minutes", "t.update_due"),),
    bounds=2,
    queue="w.queue_id",
)


def queue_column(config: BuiltinConfig, query: Query, source: Source = TICKETS) -> str:
    """The queue a row counts under: with ``queue_at: current`` the one its ticket is in
    now; else a ticket the one it was created in (from its creation history row), a
    customer contact the one it was answered in."""
    if config.queue_at == "current":
        return "t.queue_id"
    if source.queue:
        return source.queue
    query.join(f"LEFT JOIN {T['history']} hq ON hq.ticket_id = t.id AND hq.type = 'NewTicket'")
    return "COALESCE(hq.queue_id_at, t.queue_id)"


def _group(config: BuiltinConfig, queue: str) -> str:
    return "s.id" if config.by == "sla" else queue


def _query(
    config: BuiltinConfig, agent: User, source: Source, bkts: list[periods.Bucket], timing: Any
) -> tuple[Query, str]:
    """The source's rows of the period with their ticket's effective SLA (the ticket's,
    else its service's, else its queue's default) having one of its clocks; the group
    expression."""
    query = Query()
    permission_filter(query, agent)
    queue = queue_column(config, query, source)
    restrict(query, config.restrictions, Columns(queue=queue))
    query.join(f"JOIN {T['queue']} q ON q.id = t.queue_id")
    query.join(f"LEFT JOIN {T['service']} sv ON sv.id = t.service_id")
    query.join(
        f"JOIN {SLA._meta.db_table} s ON s.id = COALESCE(t.sla_id, sv.sla_id, q.default_sla_id)"
    )
    start, end = bkts[0].start, bkts[-1].end
    query.condition(f"{source.time} >= %s AND {source.time} < %s", db_time(start), db_time(end))
    query.condition("(" + " OR ".join(f"{c.target} > 0" for c in source.clocks) + ")")
    if timing.join:
        query.join(timing.join)
    return query, _group(config, queue)


def _rows_postgresql(
    config: BuiltinConfig,
    agent: User,
    now: datetime,
    source: Source,
    bkts: list[periods.Bucket],
    timing: Bucketing,
) -> dict[str, list[tuple[Any, ...]]]:
    """The source's clocks in one pass: aggregates with FILTER and ``percentile_disc``."""
    query, group = _query(config, agent, source, bkts, timing)
    columns = []
    params: list[Any] = []
    for clock in source.clocks:
        m, target, due = clock.minutes, clock.target, clock.due
        applies = f"FILTER (WHERE {target} > 0)"
        columns += [
            f"COUNT(*) {applies}",
            f"COUNT(*) FILTER (WHERE {target} > 0 AND {m} <= {target})",
            f"COUNT(*) FILTER (WHERE {target} > 0 AND ({m} > {target}"
            f" OR ({m} IS NULL AND {due} < %s)))",
            f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {m}) {applies}",
            f"percentile_disc(0.9) WITHIN GROUP (ORDER BY {m}) {applies}",
        ]
        params.append(db_time(now))
    tail, tail_params = query.tail()
    found = fetch(
        f"SELECT {group}, {timing.expr}, {', '.join(columns)} FROM {source.table} {tail}"
        " GROUP BY 1, 2",
        [*timing.params, *params, *source.params(bkts[0].start, bkts[-1].end), *tail_params],
    )
    result: dict[str, list[tuple[Any, ...]]] = {}
    for number, clock in enumerate(source.clocks):
        first = 2 + 5 * number
        result[clock.name] = [
            (row[0], row[1], *row[first : first + 5]) for row in found if row[first]
        ]
    return result


def _rows_windows(
    config: BuiltinConfig,
    agent: User,
    now: datetime,
    source: Source,
    clock: Clock,
    bkts: list[periods.Bucket],
    timing: Bucketing,
) -> list[tuple[Any, ...]]:
    """One clock where there is no ``percentile_disc``: ranks by window functions."""
    query, group = _query(config, agent, source, bkts, timing)
    query.condition(f"{clock.target} > 0")
    tail, params = query.tail()
    sql = (
        f"{timing.cte}SELECT g, idx, COUNT(*),"
        " SUM(CASE WHEN m IS NOT NULL AND m <= target THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN (m IS NOT NULL AND m > target) OR (m IS NULL AND due < %s)"
        " THEN 1 ELSE 0 END),"
        " MAX(CASE WHEN m IS NOT NULL AND rn = (n * 50 + 99) / 100 THEN m END),"
        " MAX(CASE WHEN m IS NOT NULL AND rn = (n * 90 + 99) / 100 THEN m END)"
        f" FROM (SELECT {group} AS g, {timing.expr} AS idx, {clock.minutes} AS m,"
        f" {clock.target} AS target, {clock.due} AS due,"
        f" ROW_NUMBER() OVER (PARTITION BY {group}, {timing.expr}, {clock.minutes} IS NULL"
        f" ORDER BY {clock.minutes}) AS rn,"
        f" COUNT({clock.minutes}) OVER (PARTITION BY {group}, {timing.expr}) AS n"
        f" FROM {source.table} {tail}) x GROUP BY g, idx"
    )
    bounds = source.params(bkts[0].start, bkts[-1].end)
    return fetch(sql, [*timing.cte_params, db_time(now), *bounds, *params])


def sla_compliance(config: BuiltinConfig, agent: User, now: datetime, zone: tzinfo) -> list[Table]:
    """Tickets created per period with an SLA target: met, breached (late, or still not
    reached past the due time), the share met, median and 90th percentile; the update
    time per customer contact of the period. A contact left unanswered on a closed
    ticket is neither met nor breached."""
    start, end = periods.resolve(config.period, now, zone)
    bkts = periods.buckets(start, end, config.granularity, zone)
    tables = []
    for source in (TICKETS, CONTACTS):
        timing = bucketing(bkts, source.time, config.granularity, zone)
        if connection.vendor == "postgresql":
            combined = _rows_postgresql(config, agent, now, source, bkts, timing)
        else:
            combined = {
                clock.name: _rows_windows(config, agent, now, source, clock, bkts, timing)
                for clock in source.clocks
            }
        for clock in source.clocks:
            found = [(row[0], timing.index(row[1]), *row[2:]) for row in combined[clock.name]]
            tables.append(_table(config, clock, source is CONTACTS, found, bkts))
    return tables


def _table(
    config: BuiltinConfig,
    clock: Clock,
    contacts: bool,
    found: list[tuple[Any, ...]],
    bkts: list[periods.Bucket],
) -> Table:
    names = labels(config.by, [row[0] for row in found])
    rows = []
    for row in sorted(found, key=lambda r: (names[r[0]].lower(), r[1])):
        met_n, breached_n = int(row[3] or 0), int(row[4] or 0)
        share = round(100.0 * met_n / (met_n + breached_n), 1) if met_n + breached_n else None
        label, period = names[row[0]], bkts[row[1]].label
        rows.append([label, period, row[2], met_n, breached_n, share, row[5], row[6]])
    totals = [sum(int(r[i]) for r in rows) for i in (2, 3, 4)]
    all_share = (
        round(100.0 * totals[1] / (totals[1] + totals[2]), 1) if totals[1] + totals[2] else None
    )
    return Table(
        title=_("SLA compliance: %(clock)s") % {"clock": clock.label},
        header=[
            attribute_label(config.by),
            _("Period"),
            _("Customer contacts") if contacts else _("Tickets"),
            _("Met"),
            _("Breached"),
            _("Met (%)"),
            _("Median (working minutes)"),
            _("90th percentile (working minutes)"),
        ],
        kinds=["text", "text", "int", "int", "int", "percent", "minutes", "minutes"],
        rows=rows,
        footer=[_("Total"), "", *totals, all_share, None, None],
        chartable=False,
    )
