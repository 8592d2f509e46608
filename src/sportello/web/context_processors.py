from __future__ import annotations

from django.http import HttpRequest

from sportello.notifications.services import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    """The badge in the top bar: one indexed count query per agent page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "is_system", False):
        return {}
    return {"unread_notifications": unread_count(user)}
