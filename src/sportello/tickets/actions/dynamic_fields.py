"""Dynamic field values and free fields of a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.tickets import events
from sportello.tickets.actions._base import _locked_ticket, _publish, _touch
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldValue,
    Ticket,
)

# Dynamic fields


def set_dynamic_fields(
    ticket: Ticket,
    values: Mapping[DynamicField, Any],
    *,
    actor: Actor,
    article: Article | None = None,
) -> int:
    """Store dynamic field values of the ticket (or one of its articles): one
    DynamicFieldUpdate row per changed field. Returns the number of changed fields."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        if article is not None and article.ticket_id != current.pk:
            raise InvalidInput(_("The article belongs to another ticket."))
        return _store_dynamic_fields(current, values, actor=actor, article=article)


def _store_dynamic_fields(
    current: Ticket, values: Mapping[DynamicField, Any], *, actor: Actor, article: Article | None
) -> int:
    """The write of :func:`set_dynamic_fields`, inside the caller's transaction and
    permission check (creating a ticket or adding an article sets fields too)."""
    from sportello.tickets import dynamic_fields as df

    target_kind = DynamicFieldObject.ARTICLE if article is not None else DynamicFieldObject.TICKET
    changed = 0
    obj: Ticket | Article = article if article is not None else current
    rows = df.stored(obj)
    owner_field = "article" if article is not None else "ticket"
    for field, raw in values.items():
        if field.object_type != target_kind or not field.valid:
            raise InvalidInput(_("Field %(name)s cannot be set here."), name=field.name)
        value = df.clean_value(field, raw)
        old_rows = rows.get(field.pk, [])
        old = df.stable(field, df.value_of(field, old_rows))
        new = df.stable(field, value)
        if old == new:
            continue
        DynamicFieldValue.objects.filter(pk__in=[r.pk for r in old_rows]).delete()
        new_rows = df.rows_for(field, value)
        for row in new_rows:
            setattr(row, owner_field, obj)
        DynamicFieldValue.objects.bulk_create(new_rows)
        record(
            current,
            HistoryType.DYNAMIC_FIELD_UPDATE,
            actor=actor,
            article=article,
            old=old,
            new=new,
            comment=field.name,
        )
        _publish(events.TicketDynamicFieldChanged, current, actor, field.name, old, new)
        changed += 1
    if changed:
        _touch(current, actor)
    return changed
