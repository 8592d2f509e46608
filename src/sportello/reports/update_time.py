"""The update-time clock of the SLA compliance report (OTRS's UpdateTime), from the
articles: a customer contact (the first customer article after an agent's answer, or
the ticket's first) starts it, the next agent article for the customer stops it. The
working minutes between are counted in the calendar of the ticket's SLA (else its
queue's), as the escalations count them; this is Python over the period's contacts,
the rest is SQL."""

# ruff: noqa: S608  (table names and column expressions are constants of this module; every value is a parameter)

from __future__ import annotations

import bisect
import math
from datetime import datetime
from typing import Any

from sportello.accounts.models import User
from sportello.queues.models import Queue
from sportello.reports import periods
from sportello.reports.config import BuiltinConfig
from sportello.reports.sql import (
    NOT_OPEN,
    Columns,
    Query,
    T,
    as_datetime,
    db_time,
    fetch,
    permission_filter,
    restrict,
)
from sportello.sla.models import SLA
from sportello.sla.services import sla_calendar
from sportello.sla.working_time import US_PER_MINUTE, WorkingCalendar

# The articles of the conversation: the customer's and the agents' for the customer,
# no automatic mail, no internal notes.
_CONVERSATION = (
    "a.is_automatic = %s AND (a.sender_type = 'customer'"
    " OR (a.sender_type = 'agent' AND a.visible_for_customer = %s))"
)


def nearest_rank(values: list[int], share: float) -> int | None:
    """The value of rank ceil(share * n) (the statements' percentiles)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def contacts(
    config: BuiltinConfig, agent: User, start: datetime, end: datetime
) -> list[tuple[Any, ...]]:
    """Each customer contact of the period on a ticket with an update time: group key,
    SLA, queue, current state type, contact time and answer time (or None)."""
    query = Query()
    permission_filter(query, agent)
    restrict(query, config.restrictions, Columns())
    query.join(f"JOIN {T['state']} st ON st.id = t.state_id")
    query.join(f"JOIN {T['queue']} q ON q.id = t.queue_id")
    query.join(f"LEFT JOIN {T['service']} sv ON sv.id = t.service_id")
    query.join(
        f"JOIN {SLA._meta.db_table} s ON s.id = COALESCE(t.sla_id, sv.sla_id, q.default_sla_id)"
    )
    query.condition("s.update_minutes > 0")
    query.condition("c.sender_type = 'customer' AND (c.prev IS NULL OR c.prev <> 'customer')")
    query.condition("c.created >= %s AND c.created < %s", db_time(start), db_time(end))
    tail, params = query.tail()
    group = "t.queue_id" if config.by == "queue" else "s.id"
    sql = (
        # One pass over the conversation: the previous sender, and the earliest agent
        # article after each row (a window, not a subquery per contact over the CTE).
        "WITH conv AS (SELECT a.ticket_id, a.number, a.created, a.sender_type,"
        " LAG(a.sender_type) OVER (PARTITION BY a.ticket_id ORDER BY a.number) AS prev,"
        " MIN(CASE WHEN a.sender_type = 'agent' THEN a.created END) OVER"
        " (PARTITION BY a.ticket_id ORDER BY a.number"
        " ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS answered"
        f" FROM {T['article']} a WHERE {_CONVERSATION} AND a.ticket_id IN"
        f" (SELECT p.ticket_id FROM {T['article']} p WHERE p.sender_type = 'customer'"
        " AND p.created >= %s AND p.created < %s))"
        f" SELECT {group}, s.id, t.queue_id, st.type, c.created, c.answered"
        f" FROM conv c JOIN {T['ticket']} t ON t.id = c.ticket_id {tail}"
    )
    return fetch(sql, [False, True, db_time(start), db_time(end), *params])


def update_rows(
    config: BuiltinConfig,
    agent: User,
    now: datetime,
    bkts: list[periods.Bucket],
) -> list[tuple[Any, ...]]:
    """Rows as the other clocks have them: group key, bucket position, contacts, met,
    breached, median and 90th percentile of the answered contacts' working minutes.

    Met: answered within the SLA's update time; breached: answered later, or not yet
    answered past the due time while the ticket is open. A contact left unanswered on
    a closed ticket is neither."""
    if not SLA.objects.filter(update_minutes__gt=0).exists():
        # No SLA has the clock: the conversation scan over every article of the period's
        # tickets would find nothing (seconds at a million tickets).
        return []
    found = contacts(config, agent, bkts[0].start, bkts[-1].end)
    slas = SLA.objects.in_bulk({row[1] for row in found})
    queues = Queue.objects.select_related("calendar").in_bulk({row[2] for row in found})
    starts = [b.start for b in bkts]
    cells: dict[tuple[Any, int], list[Any]] = {}
    calendars: dict[tuple[int, int], WorkingCalendar] = {}
    for group, sla_id, queue_id, state_type, contact, answer in found:
        sla = slas[sla_id]
        calendar = calendars.get((sla_id, queue_id))
        if calendar is None:
            calendar = calendars[sla_id, queue_id] = sla_calendar(sla, queues[queue_id])
        begun = as_datetime(contact)
        assert begun is not None
        index = max(0, bisect.bisect_right(starts, begun) - 1)
        cell = cells.setdefault((group, index), [0, 0, 0, []])
        cell[0] += 1
        answered = as_datetime(answer)
        if answered is not None:
            # Offsets from one origin: a million contacts without a day walk each.
            span = calendar.offset_us(answered) - calendar.offset_us(begun)
            minutes = round(max(0, span) / US_PER_MINUTE)
            cell[3].append(minutes)
            cell[1 if minutes <= sla.update_minutes else 2] += 1
        elif state_type not in NOT_OPEN and calendar.add(begun, sla.update_minutes) < now:
            cell[2] += 1
    return [
        (group, index, n, met, breached, nearest_rank(m, 0.5), nearest_rank(m, 0.9))
        for (group, index), (n, met, breached, m) in cells.items()
    ]
