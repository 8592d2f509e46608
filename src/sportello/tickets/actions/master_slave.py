"""Master/slave: one MasterSlave row per marked ticket (master empty: the ticket is a
master)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput
from sportello.tickets import events
from sportello.tickets.actions._base import _locked_ticket, _publish, _touch
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    MasterSlave,
    StateType,
    Ticket,
)

# Master/slave: one MasterSlave row per marked ticket (master empty: the ticket is a master).


def slaves_of(ticket: Ticket) -> list[Ticket]:
    return list(
        Ticket.objects.filter(master_slave__master=ticket)
        .exclude(state__type=StateType.MERGED)
        .order_by("pk")
    )


def _master_slave_label(row: MasterSlave | None) -> str:
    if row is None:
        return ""
    return f"SlaveOf:{row.master.number}" if row.master is not None else "Master"


def _set_master_slave(ticket: Ticket, master: Ticket | None, *, actor: Actor, clear: bool) -> None:
    with transaction.atomic():
        tickets = [ticket] if master is None else sorted([ticket, master], key=lambda t: t.pk)
        locked = {t.pk: _locked_ticket(t) for t in tickets}
        current = locked[ticket.pk]
        for item in locked.values():
            permissions.require(actor.user, "rw", item.queue)
        row = MasterSlave.objects.filter(ticket=current).select_related("master").first()
        old = _master_slave_label(row)
        if clear:
            if row is None:
                return
            if row.master_id is None and MasterSlave.objects.filter(master=current).exists():
                raise Conflict(_("This ticket is still the master of other tickets."))
            row.delete()
            new = ""
        elif master is None:
            if row is not None and row.master_id is None:
                return
            if row is not None:
                raise Conflict(_("A slave cannot be a master; unset it first."))
            MasterSlave.objects.create(ticket=current, master=None)
            new = "Master"
        else:
            if master.pk == ticket.pk:
                raise InvalidInput(_("A ticket cannot be its own master."))
            if not MasterSlave.objects.filter(ticket=master, master__isnull=True).exists():
                raise InvalidInput(
                    _("Ticket %(number)s is not a master ticket."), number=master.number
                )
            if MasterSlave.objects.filter(master=current).exists():
                raise Conflict(_("This ticket is the master of other tickets."))
            if row is not None and row.master_id == master.pk:
                return
            MasterSlave.objects.update_or_create(ticket=current, defaults={"master": master})
            new = f"SlaveOf:{master.number}"
        _touch(current, actor)
        record(current, HistoryType.MASTER_SLAVE, actor=actor, old=old, new=new)
        _publish(events.TicketMasterSlaveChanged, current, actor, "master_slave", old, new)


def set_master(ticket: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, None, actor=actor, clear=False)


def set_slave(ticket: Ticket, master: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, master, actor=actor, clear=False)


def unset_master_slave(ticket: Ticket, *, actor: Actor) -> None:
    _set_master_slave(ticket, None, actor=actor, clear=True)
