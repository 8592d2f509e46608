"""The API workload on a small scale: it builds its ticket, makes every kind of request
and reports figures; the concurrent clients on PostgreSQL (the in-memory SQLite test
database locks its tables against other threads)."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from bench.workloads.api import run
from django.db import connection

from sportello.tickets.models import Ticket


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_api_workload_reports_every_figure(settings: Any) -> None:
    clients = 2 if connection.vendor == "postgresql" else 0
    options = argparse.Namespace(tickets=3, articles=5, runs=3, clients=clients, creates=2, seed=2)
    figures = run(options)
    read = Ticket.objects.get(title="API benchmark")
    assert read.articles.count() == 5
    created = Ticket.objects.filter(title__startswith="Monitoring alert").count()
    assert created == 3 + clients * 2
    for name in ("ticket_get", "ticket_create", "search"):
        assert 0 < float(figures[f"{name}_p50_ms"]) <= float(figures[f"{name}_p95_ms"])
    if clients:
        assert figures["concurrent_created"] == clients * 2
        assert float(figures["creates_per_second"]) > 0
