"""``python -m bench dashboard``: server time of the agent overviews.

The database gets ``--tickets`` generated tickets (skipped when it holds that many;
``--reuse`` takes the database as it is, e.g. loaded by another generator).
The agent is the first generated agent (owner of many locked tickets); it subscribes
to the three queues with the most open tickets as My Queues and, through the actions
layer, watches 20 open tickets and becomes responsible for 20. Then, through Django's
test client (the whole request), ``--runs`` times each: the dashboard (every widget,
the top bar), the queue view of My Queues, the queue view of one queue with all
tickets, and the escalation overview; and the top bar counters alone
(``overviews.counters``, one statement). ``--explain`` prints the plans of the count
and list statements (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) to
stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.workloads import Figures, Workload, register
from bench.workloads.zoom import _background, _percentile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the database")
    parser.add_argument("--runs", type=int, default=50, help="timed requests of each page")
    parser.add_argument("--explain", action="store_true", help="print query plans (stderr)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database as it is (tickets loaded by another tool): generate none",
    )


def _agent() -> Any:
    from sportello.accounts.models import User
    from sportello.core.actor import Actor
    from sportello.queues.models import Queue
    from sportello.tickets import actions, overviews
    from sportello.tickets.models import TicketWatch

    agent = User.objects.filter(is_active=True, is_system=False).order_by("pk").first()
    if agent is None:
        raise SystemExit("no agent: generate tickets first")
    per_queue = overviews.queue_state_counts(agent)
    busiest = sorted(per_queue, key=lambda q: -sum(per_queue[q].values()))[:3]
    agent.my_queues.set(Queue.objects.filter(pk__in=busiest))
    actor = Actor(user=agent, channel="web")
    if not TicketWatch.objects.filter(agent=agent).exists():
        for ticket in overviews.open_tickets(agent).order_by("-pk")[:20]:
            actions.watch(ticket, actor=actor)
        for ticket in overviews.open_tickets(agent).order_by("pk")[:20]:
            actions.set_responsible(ticket, agent, actor=actor)
    return agent


def _timer(runs: int) -> Callable[[Callable[[], Any]], dict[str, float]]:
    def measure(call: Callable[[], Any]) -> dict[str, float]:
        for _ in range(3):  # warm caches and template loaders
            call()
        times, cpu = [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        # CPU time of this process: the server's own work without the waits for a busy
        # machine's cores (the database server's CPU on PostgreSQL is not in it).
        return {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(_percentile(cpu, 0.95), 1),
        }

    return measure


def run(options: argparse.Namespace) -> Figures:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client

    from sportello.queues.models import Queue
    from sportello.tickets import overviews

    call_command("collectstatic", interactive=False, verbosity=0)
    if options.reuse:
        from sportello.tickets.models import Ticket

        tickets = Ticket.objects.count()
    else:
        tickets = _background(options)
    agent = _agent()
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum and the nightly job keep them.
        cursor.execute("ANALYZE")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(agent)
    queue = agent.my_queues.order_by("pk").first() or Queue.objects.order_by("pk").first()
    pages = {
        "dashboard": "/",
        "queue_view": "/queues/",
        "queue_all": f"/queues/?queue={queue.pk}&tab=all",
        "escalated": "/overview/escalated/",
    }

    def get(path: str) -> None:
        response = client.get(path, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")

    measure = _timer(options.runs)
    figures: Figures = {"tickets": tickets, "runs": options.runs}
    counts = overviews.count_lists(agent, list(overviews.LISTS))
    figures.update({f"count_{k}": v for k, v in counts.items()})
    for name, path in pages.items():
        for key, value in measure(lambda p=path: get(p)).items():  # type: ignore[misc]
            figures[f"{name}_{key}"] = value
        settings.DEBUG = True
        reset_queries()
        get(path)
        figures[f"{name}_queries"] = len(connection.queries)
        settings.DEBUG = False
    for key, value in measure(lambda: overviews.counters(agent)).items():
        figures[f"counters_{key}"] = value
    if options.explain:
        _explain(agent)
    return figures


def _explain(agent: Any) -> None:
    """Plans of the top bar statement, the tab counts, the queue overview and a page."""
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from sportello.tickets import overviews
    from sportello.web import dashboard, overview_data

    def sql_of(queryset: Any) -> tuple[str, Any]:
        return queryset.query.sql_with_params()  # type: ignore[no-any-return]

    shown = [s for s in dashboard.layout(agent).main if s.widget.kind in ("list", "tabs")]
    wanted = {
        f"{state.name} {name}": (name, state.filter)
        for state in shown
        for name in overview_data.list_names(state)
    }
    now = timezone.now()
    # The statements as the pages run them: the dashboard's counts with the top bar's,
    # the top bar alone (other pages).
    dashboard_counts, _ = overviews.counters_query(agent, now=now, lists=wanted)
    counters, _ = overviews.counters_query(agent, now=now)
    tallied = overviews.open_tallies(agent)
    queue_tabs = (
        tallied.filter(overviews._condition(agent, "my_queues", now))
        .values("lock")
        .annotate(s=Sum("n"))
    )
    statements = {
        "dashboard counts (top bar and every widget's lists, one statement)": sql_of(
            dashboard_counts
        ),
        "queue view tab counts (My Queues)": sql_of(queue_tabs),
        "top bar counters (other pages)": sql_of(counters),
        "watched news": sql_of(overviews._unseen_articles(agent)[:1]),
        "queue overview": sql_of(
            tallied.order_by()
            .values("queue_id", "queue__full_name", "state_id", "state__type", "state__name")
            .annotate(s=Sum("n"))
            .filter(s__gt=0)
        ),
        "new tickets page": sql_of(overviews.ordered(overviews.ticket_list(agent, "new"), "")[:10]),
        "my queues page (available)": sql_of(
            overviews.ordered(overviews.ticket_list(agent, "my_queues").filter(lock="unlock"), "")[
                :25
            ]
        ),
        "escalated page": sql_of(
            overviews.ordered(overviews.ticket_list(agent, "escalated"), "")[:10]
        ),
    }
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        for title, (sql, params) in statements.items():
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
            print(f"\n--- {title}", file=sys.stderr)
            for row in rows:
                print("  " + " ".join(str(c) for c in row), file=sys.stderr)


register(
    Workload(
        name="dashboard",
        help="server time of the dashboard, queue view, overviews and top bar counters",
        add_arguments=add_arguments,
        run=run,
    )
)
