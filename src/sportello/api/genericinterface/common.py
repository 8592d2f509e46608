"""What every Ticket* operation shares: the caller, access to a ticket, flags and times
in Znuny's formats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from sportello.accounts import permissions
from sportello.api.genericinterface import auth
from sportello.api.genericinterface.auth import Caller
from sportello.api.genericinterface.errors import OperationError
from sportello.tickets.models import Ticket

AUTH_FAIL = {
    "TicketCreate": "User could not be authenticated!",
}


def caller(request: HttpRequest, data: dict[str, Any], op: str) -> Caller:
    if not auth.has_credentials(data):
        raise OperationError(
            op, "MissingParameter", "UserLogin, CustomerUserLogin or SessionID is required!"
        )
    found = auth.caller(request, data)
    if found is None:
        raise OperationError(op, "AuthFail", AUTH_FAIL.get(op, "Authorization failing!"))
    return found


def may_read(caller: Caller, ticket: Ticket) -> bool:
    if caller.agent is not None:
        return permissions.may(caller.agent, "ro", ticket.queue)
    return permissions.customer_may_see(caller.customer, ticket)


def flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    """Znuny's flags: 1/0, "1"/"0", true/false; absent is the default. An empty value
    is false: the transport makes ``0`` in a query string empty, as Znuny's does."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "")
    return bool(value)


def as_list(value: Any) -> list[Any]:
    """A scalar-or-array parameter as a list (empty values dropped)."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if item is not None and item != ""]


def ids(value: Any) -> list[str]:
    """``TicketID`` as Znuny takes it: an array, or a comma-separated list."""
    result: list[str] = []
    for item in as_list(value):
        result.extend(part.strip() for part in str(item).split(",") if part.strip())
    return result


def otrs_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(value: Any) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` (or a date) in the server's time zone."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return timezone.make_aware(parsed, timezone.get_current_timezone())
    return None
