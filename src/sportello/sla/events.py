"""Events the service levels publish after commit (see sportello.core.events)."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class EscalationNotified(DomainEvent):
    """A warning or escalation of a ticket was told (once per threshold); ``kind`` is the
    notification type (``escalation_warning`` or ``escalation``)."""

    kind: str
