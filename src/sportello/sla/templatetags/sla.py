"""``{% include "sla/ticket_escalation.html" %}`` on the ticket zoom uses these;
``{% sla_due ticket %}`` is the compact form for rows of ticket lists (search results)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from sportello.sla.services import DueTime, due_times
from sportello.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def ticket_due_times(ticket: Ticket) -> list[DueTime]:
    return due_times(ticket)


@register.inclusion_tag("sla/due_compact.html")
def sla_due(ticket: Ticket) -> dict[str, Any]:
    """Each running clock: due time and remaining working time, coloured by state.
    Lists call ``services.prefetch_for_due_times`` on their page first."""
    return {"due_times": due_times(ticket)}


@register.filter
def sla_duration(minutes: int) -> str:
    """Working minutes as "2 h 05 min" (sign dropped: the template says ago)."""
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}
    return gettext("%(minutes)d min") % {"minutes": rest}
