"""Dynamic field axes and sums, relative periods in the reader's zone, and the cache of
runs (reused, invalidated by time and by the definition's change)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.reports import periods, services
from sportello.reports.config import Period
from sportello.reports.models import RunStatus
from sportello.tickets import actions
from sportello.tickets.models import DynamicField
from tests.reports.conftest import BERLIN, NOW, Scenario, berlin

PERIOD = {"start": "2026-01-01", "end": "2026-05-31"}


@pytest.fixture
def fields(scenario: Scenario) -> tuple[DynamicField, DynamicField]:
    category = DynamicField.objects.create(
        name="category",
        object_type="ticket",
        field_type="multiselect",
        labels={"en": "Category"},
        choices=[
            {"key": "hw", "labels": {"en": "Hardware"}},
            {"key": "sw", "labels": {"en": "Software"}},
        ],
    )
    effort = DynamicField.objects.create(
        name="effort", object_type="ticket", field_type="integer", labels={"en": "Effort"}
    )
    actor = Actor(user=User.objects.get(username="worker"), channel="web")
    t = scenario.tickets
    actions.set_dynamic_fields(t["T1"], {category: ["hw"], effort: 5}, actor=actor)
    actions.set_dynamic_fields(t["T3"], {category: ["hw", "sw"], effort: 2}, actor=actor)
    actions.set_dynamic_fields(t["T5"], {category: ["sw"], effort: 100}, actor=actor)
    return category, effort


def test_a_multiselect_axis_with_the_sum_of_a_number(scenario: Scenario, fields: Any) -> None:
    config = {
        "x": {"attribute": "df:category"},
        "y": {"attribute": "queue"},
        "sum_field": "effort",
        "period": PERIOD,
    }
    counts, sums = services.compute("matrix", config, scenario.reader, now=NOW, zone=BERLIN)[
        "tables"
    ]
    # T3 counts under both of its values; T2 and T4 have none; T5 is hidden.
    assert counts["header"] == ["Queue \\ Category", "Hardware", "Software", "\u2013", "Total"]
    assert counts["rows"] == [["Reports::A", 2, 1, 1, 4], ["Reports::B", 0, 0, 1, 1]]
    assert sums["title"] == "Sum of Effort"
    assert sums["rows"] == [["Reports::A", 7, 2, 0, 9], ["Reports::B", 0, 0, 0, 0]]
    restricted = {
        "x": {"attribute": "queue"},
        "restrictions": [{"attribute": "df:category", "values": ["sw"]}],
        "period": PERIOD,
    }
    table = services.compute("matrix", restricted, scenario.reader, now=NOW, zone=BERLIN)
    assert table["tables"][0]["rows"] == [["Total", 1, 1]]


def test_relative_periods_in_the_readers_zone() -> None:
    # Sunday 29 March 2026, 01:30 UTC = 03:30 in Berlin, just after the DST change.
    now = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN).astimezone(BERLIN)
    start, end = periods.resolve(Period(relative="this_week"), now, BERLIN)
    assert (start, end) == (berlin(2026, 3, 23), berlin(2026, 3, 30))
    start, end = periods.resolve(Period(relative="last_12_months"), now, BERLIN)
    assert (start, end) == (berlin(2025, 4, 1), berlin(2026, 4, 1))
    day = periods.buckets(berlin(2026, 3, 29), berlin(2026, 3, 30), "hour", BERLIN)
    assert len(day) == 23
    quarters = periods.buckets(berlin(2026, 2, 1), berlin(2026, 8, 1), "quarter", BERLIN)
    assert [b.label for b in quarters] == ["Q1 2026", "Q2 2026", "Q3 2026"]
    weeks = periods.buckets(berlin(2026, 3, 25), berlin(2026, 4, 8), "week", BERLIN)
    assert [b.start.date().isoformat() for b in weeks] == ["2026-03-25", "2026-03-30", "2026-04-06"]


def test_runs_are_cached_until_they_expire_or_the_definition_changes(
    scenario: Scenario,
) -> None:
    config = {"x": {"attribute": "queue"}, "period": PERIOD}
    statistic = services.save_statistic(scenario.reader, name="Q", kind="matrix", config=config)
    first = services.start_run(statistic, scenario.reader, {}, now=NOW)
    services.execute_run(first.pk)
    first.refresh_from_db()
    assert first.status == RunStatus.DONE and first.result["tables"][0]["rows"] == [
        ["Total", 3, 1, 4]
    ]
    assert services.start_run(statistic, scenario.reader, {}, now=NOW).pk == first.pk
    # Other parameters, another run.
    other = services.start_run(statistic, scenario.reader, {"period": "this_year"}, now=NOW)
    assert other.pk != first.pk
    # Expired.
    with override_settings(SPORTELLO_REPORTS_CACHE_SECONDS=60):
        later = NOW + timedelta(hours=1)
        assert services.start_run(statistic, scenario.reader, {}, now=later).pk != first.pk
    # The definition changed.
    services.save_statistic(
        scenario.reader, name="Q", kind="matrix", config={**config, "chart": "pie"},
        statistic=statistic,
    )  # fmt: skip
    assert services.start_run(statistic, scenario.reader, {}, now=NOW).pk != first.pk
