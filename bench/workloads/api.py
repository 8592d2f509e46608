"""``python -m bench api``: the native REST API over HTTP semantics (Django's test client:
the whole request with middleware, token check, throttle, validation, permission filter).

The database gets ``--tickets`` generated tickets (the bulk generator; skipped when they
are there) and their full-text index, then one ticket of ``--articles`` articles written
through the actions. With one write token of an agent with rw on every group it times
``--runs`` requests each of: TicketGet (``GET /tickets/{number}`` of that ticket),
TicketCreate (``POST /tickets``, a phone call as first article), and search
(``GET /tickets?fulltext=…&limit=50``, one-word queries from the generated subjects).
Then ``--clients`` threads, each with its own client and database connection, create
``--creates`` tickets each at once: tickets created per second, wall clock. Each kind
reports wall-clock and CPU percentiles (the CPU time holds on a loaded machine).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from typing import Any

from bench.workloads import Figures, Workload, register
from bench.workloads.ingest import percentile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the database")
    parser.add_argument("--articles", type=int, default=20, help="articles of the read ticket")
    parser.add_argument("--runs", type=int, default=200, help="timed requests of each kind")
    parser.add_argument("--clients", type=int, default=4, help="concurrent creating clients")
    parser.add_argument("--creates", type=int, default=50, help="tickets each client creates")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _index(tickets: int) -> None:
    from sportello.search.index import rebuild
    from sportello.search.models import TicketDocument

    if TicketDocument.objects.count() < tickets:
        print("  indexing", file=sys.stderr)
        rebuild()


def _read_ticket(agent: Any, articles: int) -> str:
    from sportello.core.actor import Actor
    from sportello.queues.models import Queue
    from sportello.tickets import actions
    from sportello.tickets.articles import ArticleInput, AttachmentInput

    actor = Actor(user=agent, channel="web")
    queue = Queue.objects.exclude(full_name="Raw").filter(valid=True).order_by("id").first()
    assert queue is not None

    def article(n: int) -> ArticleInput:
        files = [AttachmentInput(f"log-{n}.txt", "text/plain", b"line\n" * 200)] if n % 5 else []
        return ArticleInput(
            channel="email" if n % 2 else "internal",
            sender_type="customer" if n % 2 else "agent",
            visible_for_customer=bool(n % 2),
            from_address="max@example.org",
            subject=f"VPN {n}",
            body=f"Nachricht {n}\n" + "Der VPN-Zugang bricht ab. " * 40,
            attachments=files,
        )

    ticket = actions.create_ticket(
        title="API benchmark", queue=queue, actor=actor, customer_user_id="max@example.org",
        article=article(1), quiet=True,
    )  # fmt: skip
    for n in range(2, articles + 1):
        actions.add_article(ticket, article(n), actor=actor, quiet=True)
    return ticket.number


class _Api:
    """The test client with the token; raises on any answer but the expected one."""

    def __init__(self, secret: str) -> None:
        from django.test import Client

        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str) -> Any:
        response = self.client.get("/api/v1" + path, headers=self.headers, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.content!r}")
        return response

    def post(self, path: str, body: str) -> Any:
        response = self.client.post(
            "/api/v1" + path, body, content_type="application/json", headers=self.headers,
            secure=True,
        )  # fmt: skip
        if response.status_code != 201:
            raise RuntimeError(f"POST {path}: HTTP {response.status_code} {response.content!r}")
        return response


def _timed(call: Any, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU seconds of each call: the CPU time is the
    server's own work without the waits for a busy machine's cores (on PostgreSQL the
    database server's CPU is not in it)."""
    timings, cpu = [], []
    for index in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        call(index)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return timings, cpu


def _figures(name: str, measured: tuple[list[float], list[float]]) -> Figures:
    timings, cpu = measured
    return {
        f"{name}_p50_ms": _ms(statistics.median(timings)),
        f"{name}_p95_ms": _ms(percentile(timings, 95)),
        f"{name}_max_ms": _ms(max(timings)),
        f"{name}_cpu_p50_ms": _ms(statistics.median(cpu)),
        f"{name}_cpu_p95_ms": _ms(percentile(cpu, 95)),
    }


def run(options: argparse.Namespace) -> Figures:
    import json

    from django.conf import settings
    from django.db import connection

    from bench.reference import grant_team_access
    from bench.workloads.search import queries
    from bench.workloads.zoom import _background
    from sportello.accounts.models import User
    from sportello.api import tokens
    from sportello.queues.models import Queue

    tickets = _background(options)
    _index(tickets)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SPORTELLO_API_RATE = "1000000/m"  # the throttle is measured, not hit
    agent, _ = User.objects.get_or_create(
        username="bench-api", defaults={"first_name": "Api", "last_name": "Client"}
    )
    grant_team_access([agent])
    secret = tokens.create_token(agent, name="bench", scope="write").secret
    print("  writing the read ticket", file=sys.stderr)
    number = _read_ticket(agent, options.articles)
    queue = Queue.objects.exclude(full_name="Raw").filter(valid=True).order_by("id").first()
    assert queue is not None
    api = _Api(secret)

    def body(index: int) -> str:
        return json.dumps({
            "title": f"Monitoring alert {index}", "queue": queue.full_name,
            "customer_user": "max@example.org",
            "article": {"kind": "phone", "inbound": True, "body": "Disk /var is 95 % full."},
        })  # fmt: skip

    one_word, _two = queries(random.Random(options.seed), 30)
    for index in range(5):  # warm caches
        api.get(f"/tickets/{number}")
        api.get(f"/tickets?fulltext={one_word[index % len(one_word)]}&limit=50")
    get = _timed(lambda i: api.get(f"/tickets/{number}"), options.runs)
    create = _timed(lambda i: api.post("/tickets", body(i)), options.runs)
    search = _timed(
        lambda i: api.get(f"/tickets?fulltext={one_word[i % len(one_word)]}&limit=50"),
        options.runs,
    )
    figures: Figures = {"tickets": tickets, "articles": options.articles, "runs": options.runs}
    figures.update(_figures("ticket_get", get))
    figures.update(_figures("ticket_create", create))
    figures.update(_figures("search", search))
    if options.clients:
        figures.update(_concurrent_creates(options, secret, body))
    return figures


def _concurrent_creates(options: argparse.Namespace, secret: str, body: Any) -> Figures:
    from django.db import connection

    errors: list[BaseException] = []
    start = threading.Barrier(options.clients + 1)

    def client(offset: int) -> None:
        try:
            api = _Api(secret)
            start.wait()
            for index in range(options.creates):
                api.post("/tickets", body(offset + index))
        except BaseException as error:  # reported after the join
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=client, args=(100_000 * (n + 1),)) for n in range(options.clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"a concurrent client failed: {errors[0]}")
    created = options.clients * options.creates
    return {
        "clients": options.clients,
        "concurrent_created": created,
        "creates_per_second": round(created / seconds, 1),
    }


register(
    Workload(
        name="api",
        help="REST API: ticket get (20 articles), create, search, concurrent creates",
        add_arguments=add_arguments,
        run=run,
    )
)
