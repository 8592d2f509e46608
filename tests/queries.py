"""Counting a request's statements in query-count tests."""

from __future__ import annotations

from django.test.utils import CaptureQueriesContext


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The SQL captured, without the configuration cache's token check: it runs at most
    once a second, so whether a request makes it depends on the clock."""
    return [q["sql"] for q in captured.captured_queries if "configversion" not in q["sql"]]
