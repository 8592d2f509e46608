"""OTRS names and IDs onto Sportello's rows.

Names are shared (states, priorities, types, queues by full name ``IT::Network``). IDs:
a row that is one of Znuny's seeded defaults carries Znuny's ID (``open`` is 4, ``Raw``
is 2), so scripts with IDs written into them keep working; every other row carries its
own id plus ``OFFSET``, which no seeded ID reaches. Agents and tickets keep their ids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.tickets import selectors
from sportello.tickets.models import Lock, Priority, State, TicketType

OFFSET = 1000

SEEDED: dict[type[Model], dict[str, int]] = {
    State: {
        "new": 1,
        "closed successful": 2,
        "closed unsuccessful": 3,
        "open": 4,
        "removed": 5,
        "pending reminder": 6,
        "pending auto close+": 7,
        "pending auto close-": 8,
        "merged": 9,
    },
    Priority: {"1 very low": 1, "2 low": 2, "3 normal": 3, "4 high": 4, "5 very high": 5},
    Queue: {"Postmaster": 1, "Raw": 2, "Junk": 3, "Misc": 4},
    TicketType: {"Unclassified": 1},
}
LOCK_IDS: dict[str, int] = {Lock.UNLOCK: 1, Lock.LOCK: 2}
LOCK_NAMES = {"unlock": Lock.UNLOCK, "lock": Lock.LOCK, "tmp_lock": Lock.LOCK}
SENDER_TYPE_IDS = {"agent": 1, "system": 2, "customer": 3}
CHANNELS = {"email": "Email", "phone": "Phone", "internal": "Internal", "web": "Internal"}
CHANNEL_IDS = {"Email": 1, "Phone": 2, "Internal": 3}
STATE_TYPE_IDS = {
    "new": 1,
    "open": 2,
    "closed": 3,
    "pending reminder": 4,
    "pending auto": 5,
    "removed": 6,
    "merged": 7,
}


def _name(row: Any) -> str:
    return str(row.full_name if isinstance(row, Queue) else row.name)


def gi_id(row: Any) -> str:
    """The ID a Znuny client sees for ``row`` (a JSON string, as Znuny sends it)."""
    seeded = SEEDED[type(row)].get(_name(row))
    return str(seeded if seeded is not None else row.pk + OFFSET)


def by_id(model: type[Model], value: Any) -> Any:
    """The row a client's ID names, or None."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    if number >= OFFSET:
        return model._default_manager.filter(pk=number - OFFSET).first()
    names = {v: k for k, v in SEEDED[model].items()}
    name = names.get(number)
    if name is None:
        return None
    field = "full_name" if model is Queue else "name"
    return model._default_manager.filter(**{field: name}).first()


def by_name(model: type[Model], value: Any) -> Any:
    """The row a client's name names, or None (states, priorities and types from the
    configuration cache)."""
    name = str(value).strip()
    if not name:
        return None
    lookups: dict[type[Model], Any] = {
        State: selectors.state_by_name,
        Priority: selectors.priority_by_name,
        TicketType: selectors.ticket_type_by_name,
    }
    if model in lookups:
        try:
            return lookups[model](name)
        except InvalidInput:  # an unknown name
            return None
    return Queue.objects.filter(full_name=name).first()


def lock_id(lock: str) -> str:
    return str(LOCK_IDS.get(lock, 1))


def lock_name(lock: str) -> str:
    return "lock" if lock == Lock.LOCK else "unlock"


def channel_name(channel: str) -> str:
    return CHANNELS.get(channel, "Internal")
