"""The FAQ workload on a small scale: it writes its articles and measures each kind."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from bench.workloads.faq import run

from sportello.kb import selectors
from sportello.kb.models import FaqItem


@pytest.mark.django_db
def test_faq_workload_reports_every_kind(settings: Any) -> None:
    settings.STATIC_ROOT = settings.SPORTELLO_HOME / "static"
    figures = run(argparse.Namespace(articles=90, tickets=0, runs=3, seed=2))
    assert figures["articles"] == FaqItem.objects.count() == 90
    for kind in ("agent_one_word", "agent_two_words", "portal_search", "suggestions"):
        assert float(figures[f"{kind}_ms_p95"]) > 0, kind
    assert float(figures["suggestions_http_ms_p95"]) > 0
    # The generated articles are real: published, searchable, a third of them public.
    public = selectors.published_items(customer=False)
    assert public.count() == 30
    assert not any(i.pending for i in public)
    # A second run on the same database adds none.
    again = run(argparse.Namespace(articles=90, tickets=0, runs=1, seed=2))
    assert again["articles"] == 90
