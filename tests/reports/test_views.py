"""The statistics pages: build a matrix statistic, run it, see its table and chart."""

from __future__ import annotations

import time_machine
from django.test import Client

from sportello.reports import services
from sportello.reports.models import Statistic
from tests.reports.conftest import NOW, Scenario


def test_build_a_matrix_statistic_and_see_its_chart(scenario: Scenario) -> None:
    client = Client()
    client.force_login(scenario.reader)
    form = {
        "name": "Created per queue",
        "kind": "matrix",
        "x": "time",
        "granularity": "month",
        "y": "queue",
        "time_field": "created",
        "period": "this_year",
        "chart": "stacked",
    }
    with time_machine.travel(NOW, tick=False):
        preview = client.post("/reports/preview/", form)
        assert preview.status_code == 200
        assert b"<svg" in preview.content and b"Reports::A" in preview.content
        saved = client.post("/reports/new/", form)
        assert saved.status_code == 302, saved.content[:500]
        statistic = Statistic.objects.get(name="Created per queue")
        page = client.get(f"/reports/{statistic.pk}/")
        assert page.status_code == 200
        # The run waits for the job queue (after commit); the page polls its progress.
        assert b"<progress" in page.content
        run = statistic.runs.get()
        services.execute_run(run.pk)
        status = client.get(f"/reports/{statistic.pk}/runs/{run.pk}/")
    html = status.content.decode()
    assert 'class="report-chart"' in html and "<rect" in html
    assert "Reports::A" in html and "Hidden" not in html
    listing = client.get("/reports/")
    assert "Created per queue" in listing.content.decode()


def test_agents_outside_the_reporting_group_find_no_reports(scenario: Scenario) -> None:
    from sportello.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="worker"))
    assert client.get("/reports/").status_code == 404
    assert b'data-menu="reports"' not in client.get("/").content


def test_an_editor_retires_a_statistic_and_its_schedules(scenario: Scenario) -> None:
    from datetime import time

    from sportello.reports.models import ReportSchedule

    statistic = services.save_statistic(
        scenario.reader, name="Old", kind="matrix", config={"x": {"attribute": "queue"}}
    )
    schedule = ReportSchedule.objects.create(
        statistic=statistic, frequency="daily", time=time(7), run_as=scenario.reader,
        formats=["xlsx"],
    )  # fmt: skip
    client = Client()
    client.force_login(scenario.reader)
    assert client.post(f"/reports/{statistic.pk}/delete/").status_code == 302
    assert client.get(f"/reports/{statistic.pk}/").status_code == 404
    schedule.refresh_from_db()
    assert not schedule.valid
