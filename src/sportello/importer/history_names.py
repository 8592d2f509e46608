"""Znuny's history rows: its type names and the ``%%``-separated values of its ``name``
column, read into Sportello's type codes with old and new values where they match."""

from __future__ import annotations

from sportello.tickets.history_types import HistoryType

# Znuny type → (Sportello type, index of the old value, index of the new value) in the
# ``%%``-separated name; None where the row names no such value.
KNOWN: dict[str, tuple[str, int | None, int | None]] = {
    "NewTicket": (HistoryType.NEW_TICKET, None, 0),
    "Move": (HistoryType.MOVE, 2, 0),
    "StateUpdate": (HistoryType.STATE_UPDATE, 0, 1),
    "PriorityUpdate": (HistoryType.PRIORITY_UPDATE, 0, 2),
    "OwnerUpdate": (HistoryType.OWNER_UPDATE, None, 0),
    "ResponsibleUpdate": (HistoryType.RESPONSIBLE_UPDATE, None, 0),
    "TitleUpdate": (HistoryType.TITLE_UPDATE, 0, 1),
    "TypeUpdate": (HistoryType.TYPE_UPDATE, 2, 0),
    "ServiceUpdate": (HistoryType.SERVICE_UPDATE, 2, 0),
    "SLAUpdate": (HistoryType.SLA_UPDATE, 2, 0),
    "SetPendingTime": (HistoryType.SET_PENDING_TIME, None, 0),
    "Merged": (HistoryType.MERGED, 0, 2),
    "TicketLinkAdd": (HistoryType.LINK, None, 0),
    "TicketLinkDelete": (HistoryType.UNLINK, 0, None),
    "TicketDynamicFieldUpdate": (HistoryType.DYNAMIC_FIELD_UPDATE, 5, 3),
    "Lock": (HistoryType.LOCK, None, None),
    "Unlock": (HistoryType.UNLOCK, None, None),
    "CustomerUpdate": (HistoryType.CUSTOMER_UPDATE, None, 0),
    "Subscribe": (HistoryType.SUBSCRIBE, None, None),
    "Unsubscribe": (HistoryType.UNSUBSCRIBE, None, None),
    "EscalationResponseTimeStart": (HistoryType.ESCALATION_START, None, None),
    "EscalationUpdateTimeStart": (HistoryType.ESCALATION_START, None, None),
    "EscalationSolutionTimeStart": (HistoryType.ESCALATION_START, None, None),
    # ``%%<units>%%<total>``: the units of this entry.
    "TimeAccounting": (HistoryType.TIME_ACCOUNTING, None, 0),
}


_CODES = frozenset(HistoryType.values)


def split_name(name: str) -> list[str]:
    """``%%open%%closed%%`` → ``["open", "closed"]``."""
    parts = name.split("%%")
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def translate(type_name: str, name: str) -> tuple[str, str, str, str]:
    """(type, old, new, comment) of one Znuny history row. A type without a Sportello
    counterpart keeps its Znuny name (rendered by its name); so do its values, in the
    comment. Nothing is dropped: the unparsed name goes into the comment."""
    known = KNOWN.get(type_name)
    if known is None:
        code = type_name if type_name in _CODES else type_name[:40]
        return code, "", "", name
    code, old_index, new_index = known
    parts = split_name(name)
    if not name.startswith("%%"):
        return code, "", "", name
    old = parts[old_index] if old_index is not None and old_index < len(parts) else ""
    new = parts[new_index] if new_index is not None and new_index < len(parts) else ""
    return code, old, new, ""
