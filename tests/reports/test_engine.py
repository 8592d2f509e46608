"""Statistics over the fixed history of ``conftest.py``, with the tables worked out by
hand (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.reports import services
from tests.reports.conftest import BERLIN, NOW, Scenario

PERIOD = {"start": "2026-01-01", "end": "2026-05-31"}
MONTHS = ["January 2026", "February 2026", "March 2026", "April 2026", "May 2026"]


def run(scenario: Scenario, kind: str, config: dict[str, Any], agent: Any = None) -> Any:
    return services.compute(kind, config, agent or scenario.reader, now=NOW, zone=BERLIN)


def body(table: Any) -> list[list[Any]]:
    return [table["header"], *table["rows"], table["footer"]]


MONTHLY = {"x": {"attribute": "time", "granularity": "month"}, "y": {"attribute": "queue"}}


def test_created_per_queue_and_month_counts_where_the_ticket_was_created(
    scenario: Scenario,
) -> None:
    # T1 was moved to B in February: it still counts in A in January. T5 is hidden.
    result = run(scenario, "matrix", {**MONTHLY, "period": PERIOD})
    assert body(result["tables"][0]) == [
        ["Queue \\ Time", *MONTHS, "Total"],
        ["Reports::A", 1, 0, 1, 1, 0, 3],
        ["Reports::B", 0, 1, 0, 0, 0, 1],
        ["Total", 1, 1, 1, 1, 0, 4],
    ]


def test_closed_per_queue_counts_the_queue_at_closing_time(scenario: Scenario) -> None:
    result = run(scenario, "matrix", {**MONTHLY, "period": PERIOD, "time_field": "closed"})
    assert body(result["tables"][0])[1:] == [
        ["Reports::A", 0, 0, 0, 0, 1, 1],
        ["Reports::B", 0, 2, 0, 0, 0, 2],
        ["Total", 0, 2, 0, 0, 1, 3],
    ]


def test_the_system_user_counts_the_hidden_queue_too(scenario: Scenario) -> None:
    config = {"x": {"attribute": "queue"}, "period": PERIOD}
    mine = run(scenario, "matrix", config)["tables"][0]
    everything = run(scenario, "matrix", config, scenario.system)["tables"][0]
    assert mine["header"] == ["Queue", "Reports::A", "Reports::B", "Total"]
    assert mine["rows"] == [["Total", 3, 1, 4]]
    assert everything["header"] == ["Queue", "Hidden", "Reports::A", "Reports::B", "Total"]
    assert everything["rows"] == [["Total", 1, 3, 1, 5]]


def test_restrictions_and_a_day_axis_across_the_dst_change(scenario: Scenario) -> None:
    config = {
        "x": {"attribute": "time", "granularity": "day"},
        "restrictions": [{"attribute": "queue", "values": [str(scenario.a.pk)]}],
        "period": {"start": "2026-03-27", "end": "2026-03-30"},
    }
    table = run(scenario, "matrix", config)["tables"][0]
    assert table["header"][1:] == ["03/27/2026", "03/28/2026", "03/29/2026", "03/30/2026", "Total"]
    assert table["rows"] == [["Total", 1, 0, 0, 0, 1]]


def test_list_with_working_minutes_across_dst_and_a_holiday(scenario: Scenario) -> None:
    config = {
        "columns": ["title", "queue", "first_response_minutes", "solution_minutes", "articles"],
        "period": PERIOD,
        "restrictions": [{"attribute": "queue", "values": [str(scenario.a.pk)]}],
    }
    table = run(scenario, "list", config)["tables"][0]
    # T3: Fri 16-17 and Mon 8-9 (the weekend's DST change does not matter); T4: Thu
    # 16:30-17, Friday 1 May a holiday, Mon 8-9:30.
    assert table["rows"] == [["T3", "Reports::A", 120, None, 2], ["T4", "Reports::A", None, 120, 1]]


def test_list_sort_and_limit(scenario: Scenario) -> None:
    config = {"columns": ["title"], "period": PERIOD, "sort": "created", "descending": True}
    result = run(scenario, "list", {**config, "limit": 2})
    assert result["tables"][0]["rows"] == [["T4"], ["T3"]]
    assert result["truncated"] == 1


def test_sla_compliance(scenario: Scenario) -> None:
    first, solution, update = run(
        scenario, "builtin", {"report": "sla_compliance", "period": PERIOD}
    )["tables"]
    # Only A has an SLA (T1 is in B now). T3 answered after 120 > 60 minutes; T4 was
    # closed without an answer (no due time left, neither met nor breached).
    assert first["rows"] == [
        ["Reports::A", "March 2026", 1, 0, 1, 0.0, 120, 120],
        ["Reports::A", "April 2026", 1, 0, 0, None, None, None],
    ]
    # T3 is still open past its solution due time; T4 was solved in 120 of 480.
    assert solution["rows"] == [
        ["Reports::A", "March 2026", 1, 0, 1, 0.0, None, None],
        ["Reports::A", "April 2026", 1, 1, 0, 100.0, 120, 120],
    ]
    assert solution["footer"][:6] == ["Total", "", 2, 1, 1, 50.0]
    # The SLA has no update time (test_time_and_channels has one).
    assert update["rows"] == []


def test_state_changes_count_the_reopened_ticket(scenario: Scenario) -> None:
    table = run(scenario, "builtin", {"report": "state_changes", "period": PERIOD})["tables"][0]
    assert table["rows"] == [
        ["closed successful", 0, 2, 0, 0, 1, 3],
        ["open", 0, 0, 1, 0, 0, 1],
        ["Reopened", 0, 0, 1, 0, 0, 1],
    ]


def test_backlog_from_history(scenario: Scenario) -> None:
    table = run(scenario, "builtin", {"report": "backlog", "period": PERIOD})["tables"][0]
    # End of January: T1 open in A (moved to B only later); February: all closed; March:
    # T2 reopened (B), T3 (A); April: + T4 (A); May: T4 closed.
    assert body(table) == [
        ["Queue", *MONTHS],
        ["Reports::A", 1, 0, 1, 2, 1],
        ["Reports::B", 0, 0, 1, 1, 1],
        ["Total", 1, 0, 2, 3, 2],
    ]


def test_workload_channel_mix_and_distribution(scenario: Scenario) -> None:
    workload = run(scenario, "builtin", {"report": "agent_workload", "period": PERIOD})
    # Open and owned now: T2 and T3 (T5 is hidden); one answer (T3); three closes.
    assert workload["tables"][0]["rows"] == [["worker", 2, 1, 3, 0, 0]]
    mix = run(scenario, "builtin", {"report": "channel_mix", "period": PERIOD})
    assert mix["tables"][0]["rows"] == [
        ["phone", 1, 1, 1, 1, 0, 4],
        ["FAQ suggestion opened, still sent", 0, 0, 0, 0, 0, 0],
    ]
    # By the ticket's current queue: T1 moved to B.
    config = {"report": "solution_distribution", "period": PERIOD, "queue_at": "current"}
    spread = run(scenario, "builtin", config)
    assert spread["tables"][0]["rows"] == [
        ["Reports::A", 0, 0, 1, 0, 0, 0, 0, 1, 2],
        ["Reports::B", 0, 0, 0, 0, 0, 0, 1, 1, 2],
    ]
    # By the queue at creation (history, the default): T1 counts in A.
    spread = run(scenario, "builtin", config | {"queue_at": "history"})
    assert spread["tables"][0]["rows"] == [
        ["Reports::A", 0, 0, 1, 0, 0, 0, 1, 1, 3],
        ["Reports::B", 0, 0, 0, 0, 0, 0, 0, 1, 1],
    ]
    restricted = {"restrictions": [{"attribute": "queue", "values": [str(scenario.b.pk)]}]}
    only_b = run(scenario, "builtin", config | {"queue_at": "history"} | restricted)
    assert only_b["tables"][0]["rows"] == [["Reports::B", 0, 0, 0, 0, 0, 0, 0, 1, 1]]


def test_agents_outside_the_reporting_group_are_refused(scenario: Scenario) -> None:
    from sportello.accounts.models import User

    worker = User.objects.get(username="worker")
    with pytest.raises(PermissionDenied):
        run(scenario, "matrix", {**MONTHLY, "period": PERIOD}, worker)


@pytest.mark.parametrize(
    "config",
    [
        {"x": {"attribute": "nonsense"}},
        {"x": {"attribute": "queue"}, "y": {"attribute": "queue"}},
        {"x": {"attribute": "queue"}, "period": {"start": "2026-02-01"}},
        {"x": {"attribute": "queue"}, "extra": 1},
        {"x": {"attribute": "df:missing"}},
    ],
)
def test_bad_configurations_are_clear_errors(scenario: Scenario, config: Any) -> None:
    with pytest.raises(InvalidInput):
        run(scenario, "matrix", config)
