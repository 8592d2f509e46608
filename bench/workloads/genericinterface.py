"""``python -m bench gi``: server time of the GenericInterface operations TicketGet (a
ticket of ``--articles`` articles, all articles and dynamic fields), TicketCreate (a
ticket with one article) and TicketSearch (the open tickets of a queue, newest 50; and a
title pattern), each through the whole request (Django's test client: URL resolution,
the transport, a SessionID lookup, the operation) ``--runs`` times, on a database of
``--tickets`` generated tickets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.workloads import Figures, Workload, register
from bench.workloads.zoom import _background, _percentile

PREFIX = "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
PASSWORD = "bench-gi-password-1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the database")
    parser.add_argument("--articles", type=int, default=20, help="articles of the got ticket")
    parser.add_argument("--runs", type=int, default=200, help="timed requests per operation")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")


def _agent() -> Any:
    from bench.reference import grant_team_access
    from sportello.accounts.models import User

    agent, _created = User.objects.get_or_create(username="bench-gi", defaults={"first_name": "G"})
    agent.set_password(PASSWORD)
    agent.save()
    grant_team_access([agent])
    return agent


def _stats(prefix: str, measured: tuple[list[float], list[float]]) -> Figures:
    """Wall-clock and CPU milliseconds (this process's own work, which holds on a busy
    machine; on PostgreSQL the database server's is not in it)."""
    times, cpu = measured
    return {
        f"{prefix}_median_ms": round(statistics.median(times), 1),
        f"{prefix}_p95_ms": round(_percentile(times, 0.95), 1),
        f"{prefix}_cpu_median_ms": round(statistics.median(cpu), 1),
        f"{prefix}_cpu_p95_ms": round(_percentile(cpu, 0.95), 1),
    }


def run(options: argparse.Namespace) -> Figures:
    from django.conf import settings
    from django.test import Client

    from sportello.api.genericinterface import names
    from sportello.queues.models import Queue

    tickets = _background(options)
    agent = _agent()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    queue = Queue.objects.exclude(full_name="Raw").filter(valid=True).order_by("id").first()
    assert queue is not None

    def call(method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        if method == "GET":
            response = client.get(PREFIX + route, secure=True)
        else:
            data = json.dumps(body or {})
            response = client.generic(method, PREFIX + route, data, "application/json", secure=True)
        answer = response.json()
        if response.status_code != 200 or "Error" in answer:
            raise RuntimeError(f"{method} {route}: {response.status_code} {answer}")
        return answer

    login = {"UserLogin": agent.username, "Password": PASSWORD}
    session = call("POST", "/Session", login)["SessionID"]
    article = {"Subject": "WLAN", "Body": "Das WLAN fällt aus.\n" * 20,
               "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Email",
               "SenderType": "customer"}  # fmt: skip
    new = {
        "SessionID": session,
        "Ticket": {"Title": "GI benchmark", "Queue": queue.full_name, "State": "new",
                   "Priority": "3 normal", "CustomerUser": "max@example.org"},
        "Article": article,
    }  # fmt: skip
    print("  writing the got ticket", file=sys.stderr)
    got = call("POST", "/Ticket", new)
    for n in range(2, options.articles + 1):
        call("PATCH", f"/Ticket/{got['TicketID']}", {"SessionID": session,
             "Article": {**article, "Subject": f"Re {n}"}})  # fmt: skip

    def timed(action: Callable[[], Any]) -> tuple[list[float], list[float]]:
        for _ in range(5):  # warm caches
            action()
        times, cpu = [], []
        for _ in range(options.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            action()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        return times, cpu

    get_route = f"/Ticket/{got['TicketID']}?SessionID={session}&AllArticles=1&DynamicFields=1"
    figures: Figures = {"tickets": tickets, "articles": options.articles, "runs": options.runs}
    print("  TicketGet", file=sys.stderr)
    figures.update(_stats("get", timed(lambda: call("GET", get_route))))
    print("  TicketSearch", file=sys.stderr)
    queue_id = names.gi_id(queue)
    search = f"/Ticket?SessionID={session}&QueueIDs={queue_id}&StateType=Open&Limit=50"
    figures.update(_stats("search_queue", timed(lambda: call("GET", search))))
    title = {"SessionID": session, "Title": "GI bench*", "Limit": 50}
    figures.update(_stats("search_title", timed(lambda: call("POST", "/Ticket/Search", title))))
    print("  TicketCreate", file=sys.stderr)
    figures.update(_stats("create", timed(lambda: call("POST", "/Ticket", new))))
    return figures


register(
    Workload(
        name="gi",
        help="GenericInterface TicketGet (20 articles), TicketCreate, TicketSearch",
        add_arguments=add_arguments,
        run=run,
    )
)
