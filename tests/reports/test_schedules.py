"""Scheduled reports: due times in the schedule's zone, and a delivery through the outbox
to a real SMTP server on loopback with the XLSX and PDF attached."""

from __future__ import annotations

import email
import io
from datetime import datetime, time
from email.message import EmailMessage
from email.policy import default
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from pypdf import PdfReader

from sportello.mail import outbox
from sportello.reports import schedules, services
from sportello.reports.models import ReportSchedule, ScheduleRun
from tests.reports.conftest import Scenario

ROME = ZoneInfo("Europe/Rome")


def _schedule(scenario: Scenario, **values: Any) -> ReportSchedule:
    statistic = services.save_statistic(
        scenario.reader,
        name="Monthly per queue",
        kind="matrix",
        config={
            "x": {"attribute": "time", "granularity": "month"},
            "y": {"attribute": "queue"},
            "period": {"relative": "last_12_months"},
        },
    )
    schedule = ReportSchedule.objects.create(
        statistic=statistic,
        frequency=values.get("frequency", "weekly"),
        time=time(7, 30),
        weekday=0,
        day=1,
        time_zone="Europe/Rome",
        run_as=scenario.reader,
        addresses=["heads@example.org"],
        formats=["xlsx", "pdf"],
        language="en",
    )
    schedule.agents.add(scenario.reader)
    return schedule


def test_next_due_in_the_schedules_zone_across_dst(scenario: Scenario) -> None:
    schedule = _schedule(scenario)
    # Friday 27 March 2026; Monday 30 March is after the change to summer time.
    due = schedules.next_due(schedule, datetime(2026, 3, 27, 12, tzinfo=ROME))
    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=ROME)
    assert due.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    schedule.frequency = "monthly"
    assert schedules.next_due(schedule, due) == datetime(2026, 4, 1, 7, 30, tzinfo=ROME)
    schedule.frequency = "daily"
    assert schedules.next_due(schedule, due) == datetime(2026, 3, 31, 7, 30, tzinfo=ROME)


def test_a_due_report_is_mailed_once_with_its_files(scenario: Scenario, smtp_sink: Any) -> None:
    schedule = _schedule(scenario)
    schedule.next_run = datetime(2026, 6, 15, 7, 30, tzinfo=ROME)
    schedule.save()
    before = datetime(2026, 6, 15, 7, 29, tzinfo=ROME)
    assert schedules.deliver_due(before) == 0
    at = datetime(2026, 6, 15, 7, 30, tzinfo=ROME)
    assert schedules.deliver_due(at) == 1
    # A second consumer at the same minute finds it delivered.
    assert schedules.deliver(schedule, at) is None
    outbox.send_due()
    assert len(smtp_sink.received) == 1
    received = smtp_sink.received[0]
    assert sorted(received.recipients) == ["boss@example.org", "heads@example.org"]
    message = email.message_from_bytes(received.data, policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Report: Monthly per queue"
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(files) == {"Monthly per queue-2026-06-15.xlsx", "Monthly per queue-2026-06-15.pdf"}
    book = load_workbook(io.BytesIO(files["Monthly per queue-2026-06-15.xlsx"]))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    # July 2025 to June 2026: A has T1 (January), T3 (March), T4 (April).
    queue_a = next(row for row in rows if row and row[0] == "Reports::A")
    assert queue_a[-1] == 3
    assert "Hidden" not in {row[0] for row in rows if row}
    pdf = PdfReader(io.BytesIO(files["Monthly per queue-2026-06-15.pdf"]))
    assert "Monthly per queue" in pdf.pages[0].extract_text()
    run = ScheduleRun.objects.get(schedule=schedule)
    assert run.ok and run.error == ""
    schedule.refresh_from_db()
    assert schedule.next_run == datetime(2026, 6, 22, 7, 30, tzinfo=ROME)


def test_a_failing_schedule_is_recorded(scenario: Scenario) -> None:
    schedule = _schedule(scenario)
    schedule.addresses = []
    schedule.save()
    schedule.agents.clear()
    run = schedules.deliver(schedule, datetime(2026, 6, 15, 7, 30, tzinfo=ROME))
    assert run is not None and not run.ok
    assert "recipient" in run.error
