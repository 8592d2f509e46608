"""Periodic jobs of the API (found by ``core.scheduler``)."""

from __future__ import annotations

from datetime import datetime

from sportello.core.scheduler import periodic_job


@periodic_job("webhook-deliveries")
def webhook_deliveries(now: datetime) -> int:
    from sportello.api.webhooks import deliver_due

    return deliver_due(now)
