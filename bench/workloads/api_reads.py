"""``api_reads``: the REST API (``/api/v1/``) on the tickets in the database, through Django's
test client with a bearer token of the first generated agent: a search page (open
tickets of a queue), a full-text search page, one ticket, one ticket with its history,
and a note added to a ticket (the write path: action, history, index)."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.workloads import Figures, Workload, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=50, help="timed calls of each endpoint")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(options: argparse.Namespace) -> Figures:
    from django.conf import settings
    from django.test import Client

    from sportello.accounts.models import User
    from sportello.api import tokens
    from sportello.queues.models import Queue
    from sportello.tickets import overviews
    from sportello.tickets.models import Ticket

    agent = User.objects.filter(is_active=True, is_system=False).order_by("pk").first()
    if agent is None:
        raise SystemExit("no agent: generate tickets first")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    secret = tokens.create_token(agent, name="bench", scope="write").secret
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    per_queue = overviews.queue_state_counts(agent)
    busiest = max(per_queue, key=lambda q: sum(per_queue[q].values()))
    queue = Queue.objects.get(pk=busiest)
    tickets = list(
        Ticket.objects.filter(queue=queue)
        .order_by("-pk")
        .values_list("number", flat=True)[: options.runs + 3]
    )
    word = Ticket.objects.filter(number=tickets[0]).values_list("title", flat=True)[0].split()[0]
    turn = iter(range(10**9))

    def get(path: str) -> Callable[[], Any]:
        def call() -> None:
            response = client.get("/api/v1" + path, headers=headers, secure=True)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")

        return call

    def one(history: bool) -> Callable[[], Any]:
        def call() -> None:
            number = tickets[next(turn) % len(tickets)]
            get(f"/tickets/{number}" + ("?history=true" if history else ""))()

        return call

    def note() -> None:
        number = tickets[next(turn) % len(tickets)]
        response = client.post(
            f"/api/v1/tickets/{number}/articles",
            data={"kind": "note", "subject": "Bench", "body": "Checked the logs."},
            content_type="application/json",
            headers=headers,
            secure=True,
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"note: HTTP {response.status_code} {response.content[:200]!r}")

    calls = {
        "list_queue": get(f"/tickets?queue={queue.full_name}&state_type=open&limit=50"),
        "list_fulltext": get(f"/tickets?fulltext={word}&limit=50"),
        "ticket": one(False),
        "ticket_history": one(True),
        "note": note,
    }
    figures: Figures = {"tickets": Ticket.objects.count(), "runs": options.runs}
    for name, call in calls.items():
        for _ in range(3):
            call()
        times = []
        for _ in range(options.runs):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        figures[f"{name}_median_ms"] = round(statistics.median(times), 1)
        figures[f"{name}_p95_ms"] = round(_percentile(times, 0.95), 1)
    return figures


WORKLOAD = register(
    Workload(
        name="api_reads",
        help="REST API: search pages, a ticket, a ticket's history, adding a note",
        add_arguments=add_arguments,
        run=run,
    )
)
