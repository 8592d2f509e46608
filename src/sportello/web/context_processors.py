from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sportello.notifications.services import unread_count
from sportello.tickets import overviews


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The badge in the top bar: one indexed count query per agent page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "is_system", False):
        return {}
    return {"unread_notifications": unread_count(user)}


def ticket_counters(request: HttpRequest) -> dict[str, Any]:
    """The top bar's ticket counters: one statement, run only when a template shows
    them (htmx fragments do not)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "is_system", False):
        return {}
    counted = getattr(request, "ticket_counters", None)
    if counted is not None:  # counted by the view together with its own lists
        return {"ticket_counters": counted}
    return {"ticket_counters": SimpleLazyObject(lambda: overviews.counters(user))}
