"""The zoom workload on a small scale: it builds the ticket it promises and measures it."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from bench.workloads.zoom import run

from sportello.tickets.models import Attachment, Ticket


@pytest.mark.django_db
def test_zoom_workload_builds_its_ticket_and_reports(settings: Any) -> None:
    settings.STATIC_ROOT = settings.SPORTELLO_HOME / "static"
    options = argparse.Namespace(tickets=4, articles=12, attachments=3, runs=3, seed=2)
    figures = run(options)
    zoomed = Ticket.objects.get(title="Zoom benchmark")
    assert zoomed.articles.count() == 12
    assert Attachment.objects.filter(article__ticket=zoomed).count() == 3
    assert figures["tickets"] == 4  # the background; then the zoomed one and 3 linked
    assert Ticket.objects.count() == 4 + 1 + 3
    assert figures["articles"] == 12 and figures["runs"] == 3
    assert 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert figures["queries_per_zoom"] > 0
