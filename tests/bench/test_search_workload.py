"""The search workload on a small scale: it indexes, searches and reports its figures."""

from __future__ import annotations

import argparse

import pytest
from bench.workloads.search import queries, run

pytestmark = pytest.mark.django_db


def test_queries_are_one_and_two_words() -> None:
    import random

    one, two = queries(random.Random(1), 5)
    assert len(one) == 5 and all(len(q.split()) == 1 for q in one)
    assert len(two) == 5 and all(len(q.split()) == 2 for q in two)


def test_the_workload_reports_latencies_and_hits(capsys: pytest.CaptureFixture[str]) -> None:
    options = argparse.Namespace(
        tickets=40, queries=4, repeat=1, rebuild=False, explain=True, seed=2
    )
    figures = run(options)
    assert figures["tickets"] == 40
    assert "index_seconds" in figures  # the index was missing, so it was built
    for kind in ("one_word", "two_words"):
        assert figures[f"{kind}_queries"] == 4
        assert float(figures[f"{kind}_ms_p95"]) >= float(figures[f"{kind}_ms_median"]) > 0
    assert int(figures["one_word_hits_max"]) > 0
    assert "search_" in capsys.readouterr().err  # the plans name the index tables
