"""A periodic job runs once per minute however many consumers ask (``PeriodicRun``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sportello.core import scheduler
from sportello.core.models import PeriodicRun

NOON = datetime(2026, 3, 2, 11, 0, 5, tzinfo=UTC)


@pytest.fixture
def counted() -> list[datetime]:
    calls: list[datetime] = []

    @scheduler.periodic_job("claims-test")
    def job(now: datetime) -> int:
        calls.append(now)
        return 1

    yield calls
    scheduler._JOBS.pop("claims-test")


@pytest.mark.django_db
def test_the_first_claim_of_a_minute_runs_the_job(counted: list[datetime]) -> None:
    names = ["claims-test"]
    assert scheduler.run(NOON, names=names, claim_period=True) == {"claims-test": 1}
    # A second consumer, later in the same minute: skipped.
    assert scheduler.run(NOON + timedelta(seconds=30), names=names, claim_period=True) == {}
    assert scheduler.run(NOON + timedelta(minutes=1), names=names, claim_period=True) == {
        "claims-test": 1
    }
    assert len(counted) == 2
    # Unclaimed (tests, forced runs) runs whenever asked.
    assert scheduler.run(NOON, names=names) == {"claims-test": 1}
    assert PeriodicRun.objects.filter(name="claims-test").count() == 2


@pytest.mark.django_db
def test_old_claims_are_pruned(counted: list[datetime]) -> None:
    scheduler.run(NOON, names=["claims-test"], claim_period=True)
    scheduler.run(NOON + timedelta(days=3), names=["claims-test"], claim_period=True)
    assert list(PeriodicRun.objects.values_list("period", flat=True)) == [
        NOON.replace(second=0) + timedelta(days=3)
    ]
