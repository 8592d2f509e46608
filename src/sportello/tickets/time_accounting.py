"""Accounted working time (OTRS's "time units"): stored in minutes, one row per entry,
always with an article; entered in units of ``SPORTELLO_TIME_UNIT_MINUTES`` minutes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput
from sportello.tickets.history import entry
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket, TimeAccounting

if TYPE_CHECKING:
    from sportello.core.actor import Actor

# Ten thousand hours: more in one entry is a typing error.
MAX_MINUTES = 600_000


def unit_minutes() -> int:
    return max(1, int(getattr(settings, "SPORTELLO_TIME_UNIT_MINUTES", 1)))


def required() -> bool:
    """Whether the agent dialogs that write an article insist on accounted time."""
    return bool(getattr(settings, "SPORTELLO_TIME_ACCOUNTING_REQUIRED", False))


def minutes_from_units(value: object) -> int:
    """Minutes from what an agent or a client typed (units, decimals allowed, "," or
    "."); empty is none. Refuses negative, unreadable and absurd values."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return 0
    try:
        units = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            _("The accounted time “%(value)s” is not a number."), value=text
        ) from None
    if not units.is_finite() or units < 0:
        raise InvalidInput(_("The accounted time cannot be negative."))
    minutes = int((units * unit_minutes()).to_integral_value())
    if minutes > MAX_MINUTES:
        raise InvalidInput(_("The accounted time is too large."))
    return minutes


def account_time(ticket: Ticket, article: Article, minutes: int, *, actor: Actor) -> History:
    """Store an entry and return its history row for the caller to write (the actions
    call this inside their transaction, with the article's own row)."""
    if minutes < 0 or minutes > MAX_MINUTES:
        raise InvalidInput(_("The accounted time is out of range."))
    TimeAccounting.objects.create(
        ticket=ticket, article=article, agent=actor.user, minutes=minutes, created=article.created
    )
    return entry(
        ticket, HistoryType.TIME_ACCOUNTING, actor=actor, article=article, new=str(minutes)
    )


def total_minutes(ticket: Ticket | int) -> int:
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    found = TimeAccounting.objects.filter(ticket_id=ticket_id).aggregate(total=Sum("minutes"))
    return int(found["total"] or 0)


def as_units(minutes: int) -> int | float:
    """Minutes in the configured unit (what OTRS clients read as ``TimeUnit``)."""
    units = minutes / unit_minutes()
    return int(units) if units == int(units) else round(units, 2)


def minutes_by_article(article_ids: list[int]) -> dict[int, int]:
    found = (
        TimeAccounting.objects.filter(article_id__in=article_ids)
        .values_list("article_id")
        .annotate(total=Sum("minutes"))
    )
    return {article_id: int(total) for article_id, total in found}


def minutes_by_ticket(ticket_ids: list[int]) -> dict[int, int]:
    found = (
        TimeAccounting.objects.filter(ticket_id__in=ticket_ids)
        .values_list("ticket_id")
        .annotate(total=Sum("minutes"))
    )
    return {ticket_id: int(total) for ticket_id, total in found}
