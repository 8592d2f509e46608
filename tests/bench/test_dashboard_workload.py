"""The dashboard workload on a small scale: it prepares its agent and measures."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from bench.workloads.dashboard import run

from sportello.tickets.models import TicketWatch


@pytest.mark.django_db
def test_dashboard_workload_reports_every_page(settings: Any, capsys: Any) -> None:
    settings.STATIC_ROOT = settings.SPORTELLO_HOME / "static"
    figures = run(argparse.Namespace(tickets=60, runs=2, explain=True, seed=3, reuse=False))
    assert figures["tickets"] == 60
    for page in ("dashboard", "queue_view", "queue_all", "escalated", "counters"):
        assert float(figures[f"{page}_p95_ms"]) > 0
    assert int(figures["dashboard_queries"]) < 30
    assert int(figures["count_my_queues"]) > 0
    assert TicketWatch.objects.count() == figures["count_watched"] > 0
    err = capsys.readouterr().err
    assert "--- top bar counters (other pages)" in err and "--- dashboard counts" in err
    # --reuse measures the database as it is.
    again = run(argparse.Namespace(tickets=10_000, runs=1, explain=False, seed=3, reuse=True))
    assert again["tickets"] == 60
