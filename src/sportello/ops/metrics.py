"""Prometheus metrics: the request metrics of django-prometheus's middleware (requests by
view and status, latency histograms) and the state of the system, read from the database
at each scrape so every node reports the same figures (mail is filed by short-lived
pipe processes and by several consumers: counters kept in one process would miss them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PENDING_OUTBOX = ("queued", "sending", "retrying")


class SystemCollector(Collector):
    """Mails, outbox, jobs and escalations; a failing read leaves its metric out (and
    logs) rather than failing the whole scrape."""

    NAMES = (
        ("counter", "sportello_mails_ingested"),
        ("gauge", "sportello_mails_failed"),
        ("gauge", "sportello_mails_spooled"),
        ("gauge", "sportello_outbox_depth"),
        ("gauge", "sportello_outbox_oldest_age_seconds"),
        ("gauge", "sportello_job_queue_depth"),
        ("gauge", "sportello_escalations_due"),
        ("gauge", "sportello_escalations_overdue"),
        ("gauge", "sportello_escalation_notices_undelivered"),
    )

    def describe(self) -> Iterator[Metric]:
        # Registering asks for the names; without this it would collect, at start-up.
        for kind, name in self.NAMES:
            family = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            yield family(name, "")

    def collect(self) -> Iterator[Metric]:
        for read in (self._mail, self._outbox, self._jobs, self._escalations):
            try:
                yield from read()
            except Exception:
                logger.exception("metrics: %s failed", read.__name__)

    def _mail(self) -> Iterator[Metric]:
        from sportello.mail.models import RETRYABLE, FailedMail
        from sportello.mail.spool import spooled_files
        from sportello.tickets.models import Article

        ingested = CounterMetricFamily(
            "sportello_mails_ingested", "Messages filed as articles from mail."
        )
        ingested.add_metric([], Article.objects.exclude(content_hash="").count())
        yield ingested
        failed = GaugeMetricFamily(
            "sportello_mails_failed", "Messages in the failed-mail list waiting for a retry."
        )
        failed.add_metric([], FailedMail.objects.filter(status__in=RETRYABLE).count())
        yield failed
        spooled = GaugeMetricFamily(
            "sportello_mails_spooled",
            "Messages kept as files because the database was unavailable.",
        )
        spooled.add_metric([], sum(1 for _ in spooled_files()))
        yield spooled

    def _outbox(self) -> Iterator[Metric]:
        from sportello.mail.models import OutboxMessage

        pending = OutboxMessage.objects.filter(status__in=PENDING_OUTBOX)
        depth = GaugeMetricFamily("sportello_outbox_depth", "Outgoing messages not yet sent.")
        depth.add_metric([], pending.count())
        yield depth
        oldest = pending.aggregate(oldest=Min("created"))["oldest"]
        age = GaugeMetricFamily(
            "sportello_outbox_oldest_age_seconds", "Age of the oldest message not yet sent."
        )
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age

    def _jobs(self) -> Iterator[Metric]:
        from huey.contrib.djhuey import HUEY

        depth = GaugeMetricFamily("sportello_job_queue_depth", "Jobs waiting in the job queue.")
        depth.add_metric([], HUEY.storage.queue_size())
        yield depth

    def _escalations(self) -> Iterator[Metric]:
        from sportello.sla.models import EscalationNotice
        from sportello.tickets.models import Ticket

        now = timezone.now()
        due = GaugeMetricFamily(
            "sportello_escalations_due", "Tickets whose next warning or escalation is due."
        )
        due.add_metric([], Ticket.objects.filter(escalation_next_at__lte=now).count())
        yield due
        # Due for more than two sweeps: the periodic jobs are not running.
        late = GaugeMetricFamily(
            "sportello_escalations_overdue", "Tickets due for more than two minutes."
        )
        late.add_metric(
            [], Ticket.objects.filter(escalation_next_at__lte=now - timedelta(minutes=2)).count()
        )
        yield late
        undelivered = GaugeMetricFamily(
            "sportello_escalation_notices_undelivered", "Escalation notices not yet delivered."
        )
        undelivered.add_metric([], EscalationNotice.objects.filter(delivered__isnull=True).count())
        yield undelivered


_collector = SystemCollector()
_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(_collector)
        _registered = True


def exposition() -> bytes:
    """The text format of every metric. Under gunicorn with several workers
    (``PROMETHEUS_MULTIPROC_DIR`` set) the request metrics are summed over the workers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
