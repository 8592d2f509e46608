"""The Znuny import workload on a small scale: it generates, imports and reports."""

from __future__ import annotations

import argparse

import pytest
from bench.workloads.znuny_import import run

from tests.conftest import postgres_only
from tests.importer.znuny_db import schema_file

pytestmark = [pytest.mark.django_db, postgres_only]


def test_the_workload_imports_every_generated_ticket() -> None:
    schema_file("schema.postgresql.sql")  # skips (fails in CI) without Znuny's schema
    options = argparse.Namespace(tickets=30, articles=2, history=3, keep_source=False)
    figures = run(options)
    # The generated tickets and Znuny's own welcome ticket, with theirs.
    assert figures["tickets"] == 31
    assert figures["articles"] == 61 and figures["history_rows"] == 91
    assert float(figures["tickets_per_second"]) > 0
    assert float(figures["rss_peak_mib"]) >= float(figures["rss_first_batch_mib"]) > 0
