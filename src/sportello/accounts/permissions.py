"""The one place that decides what an agent may see and do.

Every view, selector, action, export and API path asks here. OTRS's permission types
per group: ro, move_into, create, note, owner, priority, rw (rw includes all others).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from sportello.core.errors import PermissionDenied

if TYPE_CHECKING:
    from sportello.accounts.models import User
    from sportello.queues.models import Queue

PERMISSION_TYPES = ("ro", "move_into", "create", "note", "owner", "priority", "rw")


def may(user: User, permission: str, queue: Queue) -> bool:
    """May ``user`` exercise ``permission`` on tickets of ``queue``?

    The system user may do everything. Agents: active accounts act on every queue's
    group until group grants are configured (``accounts`` grant tables); inactive
    accounts may do nothing.
    """
    if permission not in PERMISSION_TYPES:
        raise ValueError(f"unknown permission {permission!r}")
    if user.is_system:
        return True
    return bool(user.is_active)


def require(user: User, permission: str, queue: Queue) -> None:
    if not may(user, permission, queue):
        raise PermissionDenied(
            _("You lack the “%(permission)s” permission on queue %(queue)s."),
            permission=permission,
            queue=queue.full_name,
        )


def readable_queues(user: User) -> Any:
    """The queues whose tickets ``user`` may see (``ro``), as a queryset.

    Lists, counts, search and exports filter through this, so a ticket in a queue
    without read permission never shows up anywhere.
    """
    from sportello.queues.models import Queue

    if user.is_system or user.is_active:
        return Queue.objects.all()
    return Queue.objects.none()


def visible_tickets(user: User, queryset: Any) -> Any:
    """``queryset`` of tickets narrowed to those ``user`` may see."""
    return queryset.filter(queue__in=readable_queues(user))
