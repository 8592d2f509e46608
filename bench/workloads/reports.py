"""``python -m bench reports``: the statistics engine on the database as it is.

Load tickets first (``python -m bench generate --bulk --tickets N --days 365``). The
workload then prepares what the generator leaves out: an SLA (first response 60, update
240, solution 480 working minutes) as every queue's default, and on tickets without them
the first response and solution minutes the SLA code would have stored (derived from the
ticket id, so the same data gives the same figures); the update minutes per customer
contact are the generator's (``sla.update_waits``, from the articles). It runs,
``--runs`` times each, as an agent with read access to every queue but the "Raw" queue
(so the permission condition is in the SQL):

* ``matrix``: tickets created per queue and month over the last twelve months;
* ``sla``: the monthly SLA compliance report (first response, update and solution: met,
  breached, median and 90th percentile per queue and month);
* ``list``: a list statistic's first 1,000 rows (seven columns with the article count),
  newest first.

``--explain`` prints the PostgreSQL plans of the three statements to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.workloads import Figures, Workload, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each statistic")
    parser.add_argument("--explain", action="store_true", help="print query plans (stderr)")


def _prepare() -> Any:
    from django.db import connection, transaction

    from bench.reference import grant_team_access
    from sportello.accounts import provisioning
    from sportello.accounts.models import User
    from sportello.queues.models import Queue
    from sportello.queues.services import ensure_queue
    from sportello.sla.models import SLA
    from sportello.tickets.models import Ticket

    agent, _created = User.objects.get_or_create(
        username="bench-reports", defaults={"first_name": "Rita", "last_name": "Report"}
    )
    grant_team_access([agent])
    # One queue the agent may not read keeps the permission condition in the SQL.
    hidden, _created = provisioning.add_group("bench-hidden")
    ensure_queue("Bench hidden", group=hidden)
    for permission in ("rw", "ro"):
        provisioning.revoke(hidden, permission, agent=agent)
    stats, _created = provisioning.add_group("stats")
    provisioning.grant(stats, "rw", agent=agent)
    sla, _created = SLA.objects.get_or_create(name="Bench SLA")
    SLA.objects.filter(pk=sla.pk).update(
        first_response_minutes=60, update_minutes=240, solution_minutes=480
    )
    Queue.objects.update(default_sla=sla)
    table = Ticket._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # What the SLA code would have stored: minutes spread by the ticket id.
        cursor.execute(
            f"UPDATE {table} SET first_response_minutes = (id * 37) % 181,"
            " first_response_at = created WHERE first_response_minutes IS NULL"
        )
        cursor.execute(
            f"UPDATE {table} SET solution_minutes = (id * 101) % 2000"
            f" WHERE solution_minutes IS NULL AND state_id IN"
            " (SELECT id FROM tickets_state WHERE type = 'closed')"
        )
        cursor.execute("ANALYZE")
    return agent


def _timer(runs: int) -> Callable[[Callable[[], Any]], dict[str, float]]:
    def measure(call: Callable[[], Any]) -> dict[str, float]:
        call()  # warm the configuration caches
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}

    return measure


CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "matrix": (
        "matrix",
        {
            "x": {"attribute": "time", "granularity": "month"},
            "y": {"attribute": "queue"},
            "period": {"relative": "last_12_months"},
        },
    ),
    "sla": ("builtin", {"report": "sla_compliance", "period": {"relative": "last_12_months"}}),
    "list": (
        "list",
        {
            "columns": ["number", "title", "created", "queue", "state", "owner", "articles"],
            "period": {"relative": "last_12_months"},
            "sort": "created",
            "descending": True,
            "limit": 1000,
        },
    ),
}


def run(options: argparse.Namespace) -> Figures:
    from django.db import connection
    from django.utils import timezone

    from sportello.reports import services
    from sportello.tickets.models import History, Ticket

    agent = _prepare()
    zone = services.agent_zone(agent)
    now = timezone.now()
    measure = _timer(options.runs)
    figures: Figures = {
        "database": connection.vendor,
        "tickets": Ticket.objects.count(),
        "history_rows": History.objects.count(),
    }
    for name, (kind, config) in CONFIGS.items():
        cells: list[int] = []

        def call(
            kind: str = kind, config: dict[str, Any] = config, cells: list[int] = cells
        ) -> None:
            result = services.compute(kind, config, agent, now=now, zone=zone)
            cells[:] = [len(result["tables"][0]["rows"])]

        if options.explain and connection.vendor == "postgresql":
            _explain(kind, config, agent, now, zone)
        for key, value in measure(call).items():
            figures[f"{name}_{key}"] = value
        figures[f"{name}_rows"] = cells[0] if cells else 0
    return figures


def _explain(kind: str, config: dict[str, Any], agent: Any, now: Any, zone: Any) -> None:
    """EXPLAIN ANALYZE of the statistic's own statements (captured while it runs)."""
    from django.db import connection

    from sportello.reports import services

    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "buckets" in sql or "ORDER BY" in sql or "GROUP BY" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        services.compute(kind, config, agent, now=now, zone=zone)
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()), file=sys.stderr)


register(
    Workload(
        name="reports",
        help="statistics: queue x month matrix, monthly SLA compliance, a list's first rows",
        add_arguments=add_arguments,
        run=run,
    )
)
