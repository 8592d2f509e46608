from __future__ import annotations

from sportello.accounts.models import SYSTEM_USERNAME, Group, User
from sportello.core import cache


def _load_system_user() -> User:
    return User.objects.get(username=SYSTEM_USERNAME)


def system_user() -> User:
    """The user that automatic actions are recorded under (created by migration), from
    the configuration cache: every message and job acts as it."""
    user: User = cache.get("system_user", _load_system_user)
    return user


def may_have_subscribers(queue_id: int) -> bool:
    """False when no agent has the queue in My Queues (True may still find nobody
    active: the caller asks the database then)."""

    def load() -> frozenset[int]:
        return frozenset(User.my_queues.through.objects.values_list("queue_id", flat=True))

    return queue_id in cache.get("subscribed_queues", load)


def valid_group_id(name: str) -> int | None:
    """The id of the valid group called ``name``, from the configuration cache: the
    reporting and FAQ approval groups are asked on every page for the menu."""

    def load() -> dict[str, int]:
        return dict(Group.objects.filter(valid=True).values_list("name", "pk"))

    groups: dict[str, int] = cache.get("valid_group_ids", load)
    return groups.get(name)
