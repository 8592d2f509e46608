"""``python -m bench zoom``: server time of the agent's ticket zoom.

The database gets ``--tickets`` generated tickets (the bulk generator; skipped when the
database already holds that many), then one ticket of ``--articles`` articles written
through the actions layer: customer mails with an HTML part and their raw source,
agent answers, internal notes, phone calls, with ``--attachments`` attachments spread
over them; the customer has other open tickets and the ticket has links. An agent then
opens the zoom through Django's test client (the whole request: middleware, session,
permission checks, queries, nh3 sanitizing, template) ``--runs`` times; the first view,
which marks every article seen, is reported apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench.workloads import Figures, Workload, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the database")
    parser.add_argument("--articles", type=int, default=100, help="articles of the zoomed ticket")
    parser.add_argument("--attachments", type=int, default=20, help="its attachments")
    parser.add_argument("--runs", type=int, default=200, help="timed zoom requests")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def _background(options: argparse.Namespace) -> int:
    from bench.generate import Options, Result, generate
    from sportello.tickets.models import Ticket

    existing = Ticket.objects.count()
    missing = options.tickets - existing
    if missing > 0:
        step = max(missing // 10, 1)
        shown = [0]

        def progress(result: Result) -> None:
            if result.tickets - shown[0] >= step or result.tickets == missing:
                shown[0] = result.tickets
                print(f"  {result.tickets:>9} tickets  {result.seconds:7.1f} s", file=sys.stderr)

        generate(Options(tickets=missing, seed=options.seed), progress=progress)
    return int(Ticket.objects.count())


def _zoom_ticket(options: argparse.Namespace) -> tuple[str, str]:
    """The big ticket, written as agents and mail-in would write it."""
    from bench.reference import grant_team_access
    from sportello.accounts.models import User
    from sportello.core.actor import Actor
    from sportello.customers.models import CustomerUser
    from sportello.queues.models import Queue
    from sportello.tickets import actions
    from sportello.tickets.articles import ArticleInput, AttachmentInput

    agent, _ = User.objects.get_or_create(
        username="bench-zoom", defaults={"first_name": "Zoe", "last_name": "Zoom"}
    )
    grant_team_access([agent])
    actor = Actor(user=agent, channel="web")
    queue = Queue.objects.exclude(full_name="Raw").filter(valid=True).order_by("id").first()
    assert queue is not None
    customer = CustomerUser.objects.order_by("id").first()
    login = customer.login if customer else "max@example.org"
    address = customer.email if customer else login
    every = max(1, options.articles // max(1, options.attachments))
    attached = 0

    def article(n: int) -> ArticleInput:
        nonlocal attached
        files = []
        if attached < options.attachments and n % every == 0:
            attached += 1
            files.append(AttachmentInput(f"Anhang {n}.pdf", "application/pdf", b"%PDF-1.4 " * 2000))
        kind = n % 4
        if kind in (0, 1):
            html = (
                f"<p>Guten Tag,</p><p>Nachricht <b>{n}</b>: das WLAN im Gebäude fällt aus.</p>"
                + "<p>Bitte um Rückmeldung.</p>" * 20
                + '<img src="https://tracker.example/p.gif"><script>alert(1)</script>'
            )
            return ArticleInput(
                channel="email", sender_type="customer", visible_for_customer=True,
                from_address=address, subject=f"WLAN {n}", body="Text " * 300, body_html=html,
                raw_source=b"Subject: x\r\n\r\n" + b"raw " * 2000, attachments=files,
            )  # fmt: skip
        if kind == 2:
            return ArticleInput(
                channel="internal", sender_type="agent", body=f"Notiz {n}\n" * 30,
                attachments=files,
            )  # fmt: skip
        return ArticleInput(
            channel="phone", sender_type="agent", visible_for_customer=True,
            body=f"Anruf {n}\n" * 30, attachments=files,
        )  # fmt: skip

    ticket = actions.create_ticket(
        title="Zoom benchmark", queue=queue, actor=actor, customer_user_id=login,
        article=article(1), quiet=True,
    )  # fmt: skip
    for n in range(2, options.articles + 1):
        actions.add_article(ticket, article(n), actor=actor, quiet=True)
    for n in range(3):
        other = actions.create_ticket(
            title=f"Other {n}", queue=queue, actor=actor, customer_user_id=login, quiet=True
        )
        actions.link(ticket, other, actor=actor)
    return ticket.number, agent.username


def run(options: argparse.Namespace) -> Figures:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client

    from sportello.accounts.models import User

    call_command("collectstatic", interactive=False, verbosity=0)  # as deployed: hashed names
    tickets = _background(options)
    print("  writing the zoomed ticket", file=sys.stderr)
    number, username = _zoom_ticket(options)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username=username))
    url = f"/ticket/{number}/"

    cpu: list[float] = []

    def timed(path: str) -> float:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path, secure=True)  # production settings redirect HTTP
        elapsed = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        return elapsed

    first_ms = timed(url)
    for _ in range(5):  # warm caches, template loaders
        timed(url)
    settings.DEBUG = True  # count queries for one request
    reset_queries()
    timed(url)
    queries = len(connection.queries)
    settings.DEBUG = False
    cpu.clear()
    times = [timed(url) for _ in range(options.runs)]
    cpu_times = list(cpu)
    one = [
        timed(f"{url}?article={options.articles // 2}") for _ in range(max(10, options.runs // 4))
    ]
    return {
        "tickets": tickets,
        "articles": options.articles,
        "attachments": options.attachments,
        "runs": options.runs,
        "first_view_ms": round(first_ms, 1),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        # This process's CPU time per request: the server's own work, without the waits
        # for a busy machine's cores (on PostgreSQL the database server's CPU is not in it).
        "cpu_median_ms": round(statistics.median(cpu_times), 1),
        "cpu_p95_ms": round(_percentile(cpu_times, 0.95), 1),
        "one_article_median_ms": round(statistics.median(one), 1),
        "queries_per_zoom": queries,
    }


register(
    Workload(
        name="zoom",
        help="server time of the ticket zoom (100 articles, 20 attachments, 100,000 tickets)",
        add_arguments=add_arguments,
        run=run,
    )
)
