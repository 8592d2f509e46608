"""The nightly planner statistics job."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from sportello.core.scheduler import jobs
from sportello.tickets.jobs import database_statistics

pytestmark = pytest.mark.django_db


def test_statistics_job_is_registered_and_fills_sqlite_statistics() -> None:
    assert "database-statistics" in jobs()
    done = database_statistics(timezone.now())
    if connection.vendor != "sqlite":
        assert done == 0
        return
    assert done == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1
