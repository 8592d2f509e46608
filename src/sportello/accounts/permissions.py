"""The one place that decides what an agent may see and do.

Every view, selector, action, export and API path asks here. OTRS's permission types
per group: ro, move_into, create, note, owner, priority, rw (rw includes all others).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
