"""Retrying the failed-mail spool (database entries and files)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sportello.mail.ingest import IngestResult, ingest_message
from sportello.mail.models import RETRYABLE, FailedMail, FailedMailStatus
from sportello.mail.spool import remove_spooled_file, spooled_files


@dataclass
class RetryReport:
    processed: int = 0
    failed: int = 0
    results: list[IngestResult] = field(default_factory=list)


def _reprocess(raw: bytes, source: str) -> IngestResult | None:
    """Process again; None when it failed again (it is not spooled a second time)."""
    result = ingest_message(raw, source=f"retry:{source}", _spool_failures=False)
    return None if result.result == "spooled" else result


def retry_failed_mail(failed: FailedMail) -> IngestResult | None:
    if failed.status not in RETRYABLE or not failed.raw:
        return None
    if failed.status == FailedMailStatus.TOO_LARGE and failed.size > (
        settings.SPORTELLO_MAIL_MAX_SIZE
    ):
        return None
    with failed.raw.open("rb") as handle:
        raw = handle.read()
    try:
        result = _reprocess(raw, failed.source)
        error = "" if result else "failed again; see the log"
    except Exception as exc:  # the entry stays for the next retry
        result, error = None, f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        failed.attempts += 1
        failed.last_attempt = timezone.now()
        if result is not None:
            failed.status = FailedMailStatus.RETRIED
            failed.ticket_number = result.ticket
        else:
            failed.error = f"{failed.error}\n\nretry {failed.attempts}: {error}"
        failed.save()
    return result


def retry_spool() -> RetryReport:
    report = RetryReport()
    for path, meta in spooled_files():
        result = _reprocess(path.read_bytes(), meta.get("source", "spool-file"))
        if result is None:
            report.failed += 1
            continue
        remove_spooled_file(path)
        report.processed += 1
        report.results.append(result)
    pending = FailedMail.objects.filter(status__in=RETRYABLE).order_by("received")
    for failed in pending.iterator():
        result = retry_failed_mail(failed)
        if result is None:
            report.failed += 1
        else:
            report.processed += 1
            report.results.append(result)
    return report
