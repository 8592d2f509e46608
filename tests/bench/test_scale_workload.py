"""The scale run on a small scale: it generates up to its size, then every workload
reports on that database; and the API workload on its own."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from bench.workloads import all_workloads
from bench.workloads.api_reads import run as run_api
from bench.workloads.scale import STEPS, add_arguments
from bench.workloads.scale import run as run_scale

from sportello.tickets.models import Article, Attachment, Ticket


def _scale_options(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.django_db(transaction=True)
def test_scale_run_generates_then_measures_every_workload(settings: Any) -> None:
    settings.STATIC_ROOT = settings.SPORTELLO_HOME / "static"
    options = _scale_options(
        "--tickets", "40", "--runs", "2", "--messages", "12", "--escalation-tickets", "100",
        # The pipe's own process would not see the test database.
        "--cli-runs", "0",
    )  # fmt: skip
    figures = run_scale(options)
    assert figures["generate.tickets"] == 40 == figures["tickets"]
    # The zoom's ticket and mail ingestion add theirs afterwards.
    assert 0 < int(figures["generate.attachments"]) < Attachment.objects.count()
    assert 3 * 40 <= int(figures["generate.articles"]) <= 5 * 40
    for name, _ in STEPS:
        assert name in all_workloads() and float(figures[f"{name}.seconds"]) > 0
    assert float(figures["dashboard.dashboard_p95_ms"]) > 0
    assert float(figures["zoom.p95_ms"]) > 0
    assert int(figures["search.one_word_queries"]) > 0
    assert float(figures["api_reads.note_p95_ms"]) > 0
    assert figures["ingest.threading_errors"] == 0 and figures["ingest.new"]
    assert figures["escalation.sweep_claimed"] == figures["escalation.due"] == 1
    # Enough tickets already: nothing generated, only measured.
    again = run_scale(_scale_options("--tickets", "10", "--runs", "1", "--only", "api_reads"))
    assert "generate.tickets" not in again and set(again) >= {"api_reads.ticket_p95_ms"}


@pytest.mark.django_db
def test_api_workload_reads_and_writes_through_the_api() -> None:
    from bench.generate import Options, generate

    generate(Options(tickets=20, seed=4))
    notes = Article.objects.filter(subject="Bench").count()
    figures = run_api(argparse.Namespace(runs=2))
    assert figures["tickets"] == Ticket.objects.count() == 20
    for name in ("list_queue", "list_fulltext", "ticket", "ticket_history", "note"):
        assert 0 < float(figures[f"{name}_median_ms"]) <= float(figures[f"{name}_p95_ms"])
    # Three warm-up calls and the timed ones each added a note.
    assert Article.objects.filter(subject="Bench").count() == notes + 3 + 2
