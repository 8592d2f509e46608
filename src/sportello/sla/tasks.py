"""Huey tasks of the time-driven jobs (found by djhuey's autodiscovery of ``tasks``)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=0)
def deliver_escalations(notice_ids: list[int]) -> int:
    """Notify what the escalation sweep claimed (``EscalationNotice`` ids)."""
    from sportello.sla.jobs import deliver

    return deliver(notice_ids)
