"""/healthz, /readyz and /metrics answered by the real stack."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.mail.ingest import ingest_message
from sportello.queues.models import Queue
from sportello.tickets.models import Ticket
from tests.mail.messages import mail


@pytest.mark.django_db
def test_liveness_asks_nothing() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_ready_when_database_migrations_jobs_and_storage_answer() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "jobs": "ok", "storage": "ok"},
    }


@pytest.mark.django_db
def test_not_ready_when_the_store_is_not_writable(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failed"
    assert str(tmp_path).encode() not in response.content  # no details for the caller


@pytest.mark.django_db
def test_not_ready_with_a_migration_not_applied() -> None:
    last = MigrationRecorder.Migration.objects.filter(app="tickets").order_by("-id").first()
    assert last is not None
    last.delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "failed",
        "jobs": "ok",
        "storage": "ok",
    }
    assert last.name.encode() not in response.content


def _value(text: str, name: str) -> float:
    match = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} missing"
    return float(match.group(1))


@pytest.mark.django_db
def test_metrics_report_requests_mail_outbox_jobs_and_escalations(queue: Queue) -> None:
    for number in range(3):
        ingest_message(mail(to="wlan@helpdesk.example.org", subject=f"m{number}"))
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(
        escalation_next_at=timezone.now() - timedelta(minutes=5)
    )
    admin = User.objects.create_superuser("ops-admin", "ops@example.org", "x" * 12)
    client = Client()
    client.force_login(admin)
    assert client.get("/healthz").status_code == 200
    text = client.get("/metrics").content.decode()
    assert _value(text, "sportello_mails_ingested_total") == 3
    assert _value(text, "sportello_mails_failed") == 0
    assert _value(text, "sportello_mails_spooled") == 0
    assert _value(text, "sportello_escalations_due") == 1
    assert _value(text, "sportello_escalations_overdue") == 1
    assert "sportello_outbox_depth " in text
    assert "sportello_outbox_oldest_age_seconds " in text
    assert "sportello_job_queue_depth " in text
    # django-prometheus: by view and status, and a latency histogram by view.
    assert re.search(
        r'django_http_responses_total_by_status_view_method_total\{method="GET",'
        r'status="200",view="ops:healthz"\} [1-9]',
        text,
    ), text[:2000]
    assert 'django_http_requests_latency_seconds_by_view_method_bucket{le="0.01"' in text or (
        "django_http_requests_latency_seconds_by_view_method_bucket" in text
    )
