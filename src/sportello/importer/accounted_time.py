"""Znuny's ``time_accounting`` rows of a batch of tickets: the accounted time units as
minutes (``SPORTELLO_TIME_UNIT_MINUTES`` per unit), once per Znuny row. Their history
rows (TimeAccounting) come over with the rest of the history."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from sportello.importer.context import Context
from sportello.tickets import time_accounting
from sportello.tickets.actions import imported
from sportello.tickets.models import TimeAccounting


def run(
    ctx: Context,
    by_znuny: dict[int, int],
    article_map: dict[int, int],
    agent: Callable[[Any], int],
) -> None:
    """Negative corrections have no counterpart here: the report lists them."""
    from sportello.importer.tickets import _marks, stamp

    ids = list(by_znuny)
    rows = ctx.source.all(
        "SELECT id, ticket_id, article_id, time_unit, create_time, create_by "  # noqa: S608
        f"FROM time_accounting WHERE ticket_id IN ({_marks(ids)}) ORDER BY id",
        ids,
    )
    known = ctx.mapping.lookup("time_accounting", [r[0] for r in rows])
    unit = time_accounting.unit_minutes()
    entries: list[tuple[int, TimeAccounting]] = []
    for id_, ticket_id, article_id, units, created, by in rows:
        if str(id_) in known:
            continue
        minutes = round(Decimal(str(units)) * unit)
        if minutes < 0:
            ctx.report.skip("time_accounting", id_, _("a negative correction"))
            continue
        entry = TimeAccounting(
            ticket_id=by_znuny[int(ticket_id)],
            article_id=article_map.get(int(article_id)) if article_id else None,
            agent_id=agent(by),
            minutes=minutes,
            created=stamp(created),
        )
        entries.append((int(id_), entry))
    imported.import_time_accounting([entry for _id, entry in entries])
    ctx.mapping.put_many("time_accounting", [(i, entry.pk) for i, entry in entries])
    ctx.report.count("time_accounting", "created", len(entries))
    ctx.report.count("time_accounting", "unchanged", len(known))
