"""The statistic editor's forms (list, built-in report, matrix), the schedule pages and
a run's progress."""

from __future__ import annotations

from typing import Any

import time_machine
from django.test import Client

from sportello.reports import services
from sportello.reports.models import ReportSchedule, RunStatus, ScheduleRun, Statistic
from tests.reports.conftest import NOW, Scenario

LIST_FORM = {
    "name": "Tickets of A",
    "kind": "list",
    "columns": ["title", "number", "queue"],
    "pos_queue": "1",
    "pos_title": "2",
    "list_time_field": "created",
    "sort": "title",
    "descending": "on",
    "limit": "10",
    "start": "2026-01-01",
    "end": "2026-06-30",
    "x": "time",
    "granularity": "month",
    "time_field": "created",
    "chart": "none",
}


def _client(scenario: Scenario) -> Client:
    client = Client()
    client.force_login(scenario.reader)
    return client


def test_a_list_from_the_form_with_columns_in_order(scenario: Scenario) -> None:
    client = _client(scenario)
    form = LIST_FORM | {"r_queue": [str(scenario.a.pk)]}
    with time_machine.travel(NOW, tick=False):
        preview = client.post("/reports/preview/", form)
        assert preview.status_code == 200
        html = preview.content.decode()
        assert "T4" in html and "T2" not in html  # only queue A
        assert html.index("Queue</th>") < html.index("Title</th>") < html.index("Ticket number")
        assert client.post("/reports/new/", form).status_code == 302
    statistic = Statistic.objects.get(name="Tickets of A")
    assert statistic.config["columns"] == ["queue", "title", "number"]
    assert statistic.config["restrictions"] == [
        {"attribute": "queue", "values": [str(scenario.a.pk)]}
    ]
    assert statistic.config["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    assert statistic.config["descending"] is True and statistic.config["limit"] == 10
    # The edit form shows the saved choices again.
    page = client.get(f"/reports/{statistic.pk}/edit/").content.decode()
    assert 'name="pos_queue" value="1"' in page
    assert 'value="queue" id="id_columns_4" checked' in page


def test_a_builtin_report_from_the_form(scenario: Scenario) -> None:
    client = _client(scenario)
    form = {
        "name": "First responses",
        "kind": "builtin",
        "report": "first_response_distribution",
        "queue_at": "current",
        "by": "queue",
        "period": "this_year",
        "granularity": "month",
        "x": "time",
        "time_field": "created",
        "chart": "bar",
    }
    with time_machine.travel(NOW, tick=False):
        preview = client.post("/reports/preview/", form)
        assert b"First response time" in preview.content
        assert client.post("/reports/new/", form).status_code == 302
    config = Statistic.objects.get(name="First responses").config
    assert config["report"] == "first_response_distribution"
    assert config["queue_at"] == "current"


def test_errors_are_shown_next_to_their_fields(scenario: Scenario) -> None:
    client = _client(scenario)
    bad = LIST_FORM | {"columns": [], "start": "2026-05-01", "end": "2026-04-01", "limit": "0"}
    response = client.post("/reports/new/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_columns_error"' in html
    assert 'id="id_end_error"' in html and "ends before it starts" in html
    assert 'id="id_limit_error"' in html
    garbage = client.post("/reports/new/", {"kind": "nonsense", "r_queue": ["x"], "start": "x"})
    assert garbage.status_code == 400
    preview = client.post("/reports/preview/", bad)
    assert preview.status_code == 200 and b'role="alert"' in preview.content
    assert not Statistic.objects.filter(name="Tickets of A").exists()


def test_schedules_are_managed_in_the_reports_area(scenario: Scenario) -> None:
    statistic = services.save_statistic(
        scenario.reader, name="Weekly", kind="matrix", config={"x": {"attribute": "queue"}}
    )
    client = _client(scenario)
    form: dict[str, Any] = {
        "frequency": "weekly",
        "time": "07:30",
        "weekday": "2",
        "day": "1",
        "time_zone": "Europe/Rome",
        "agents": [str(scenario.reader.pk)],
        "addresses": "a@example.org\nb@example.org",
        "formats": ["xlsx", "pdf"],
    }
    with time_machine.travel(NOW, tick=False):
        created = client.post(f"/reports/{statistic.pk}/schedules/new/", form)
    assert created.status_code == 302
    schedule = ReportSchedule.objects.get(statistic=statistic)
    assert schedule.run_as == scenario.reader
    assert schedule.addresses == ["a@example.org", "b@example.org"]
    assert schedule.formats == ["xlsx", "pdf"]
    assert schedule.next_run is not None and schedule.next_run.weekday() == 2
    ScheduleRun.objects.create(schedule=schedule, due=NOW, error="SMTP refused")
    page = client.get(f"/reports/{statistic.pk}/schedules/").content.decode()
    assert "SMTP refused" in page and "b@example.org" in page
    # A wrong address is refused next to its field, never a 500.
    bad = client.post(
        f"/reports/{statistic.pk}/schedules/{schedule.pk}/", form | {"addresses": "nope"}
    )
    assert bad.status_code == 400 and b"is not a mail address" in bad.content
    edited = client.post(
        f"/reports/{statistic.pk}/schedules/{schedule.pk}/",
        form | {"frequency": "monthly", "day": "5"},
    )
    assert edited.status_code == 302
    schedule.refresh_from_db()
    assert schedule.frequency == "monthly" and schedule.day == 5
    deleted = client.post(f"/reports/{statistic.pk}/schedules/{schedule.pk}/delete/")
    assert deleted.status_code == 302
    assert not ReportSchedule.objects.filter(pk=schedule.pk).exists()


def test_a_run_reports_its_progress_and_phase(scenario: Scenario) -> None:
    statistic = services.save_statistic(
        scenario.reader,
        name="Backlog",
        kind="builtin",
        config={"report": "backlog", "period": {"relative": "this_year"}},
    )
    client = _client(scenario)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/reports/{statistic.pk}/").content.decode()
        assert 'role="progressbar"' in page and 'aria-valuenow="0"' in page
        run = statistic.runs.get()
        seen: list[int] = []
        from django.db import connection

        def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if "UPDATE" in sql and "progress" in sql:
                seen.append(next(p for p in params if isinstance(p, int)))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(spy):
            services.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.progress == 100
    # Claimed, counting, each statement further on, writing: always forwards.
    assert seen[0] == services.PREPARING and seen[-1] == 100 and services.WRITING in seen
    assert seen == sorted(seen) and len(set(seen)) >= 4
    assert services.phase(50, RunStatus.RUNNING) == "Counting in the database"


def _posted(initial: dict[str, Any]) -> dict[str, Any]:
    """Form values as a browser posts them back (no None; dates as text)."""
    data: dict[str, Any] = {"name": "Round trip"}
    for key, value in initial.items():
        if value is None or value is False:
            continue
        data[key] = "on" if value is True else value
    return data


def test_saved_configurations_come_back_unchanged_through_the_form(scenario: Scenario) -> None:
    from sportello.reports import config as cfg
    from sportello.web.forms.reports import StatisticForm, initial_for

    period = {"start": "2026-01-01", "end": "2026-03-31"}
    queue = [{"attribute": "queue", "values": [str(scenario.a.pk)]}]
    configs = {
        "matrix": {
            "x": {"attribute": "state", "granularity": "week"},
            "y": {"attribute": "time", "granularity": "week"},
            "time_field": "closed",
            "restrictions": [*queue, {"attribute": "state_type", "values": ["closed"]}],
            "period": {"relative": "last_month"},
            "chart": "line",
        },
        "list": {
            "columns": ["state", "number", "title"],
            "time_field": "closed",
            "restrictions": queue,
            "period": period,
            "sort": "number",
            "descending": True,
            "limit": 50,
        },
        "builtin": {
            "report": "sla_compliance",
            "granularity": "quarter",
            "by": "sla",
            "queue_at": "current",
            "restrictions": queue,
            "period": {"relative": "this_year"},
            "chart": "pie",
        },
    }
    for kind, config in configs.items():
        saved = cfg.dump(cfg.parse(kind, config))
        form = StatisticForm(_posted(initial_for(kind, saved)), agent=scenario.reader)
        assert form.is_valid(), (kind, form.errors)
        assert cfg.dump(cfg.parse(kind, form.configuration())) == saved, kind
