from __future__ import annotations

from sportello.accounts.models import SYSTEM_USERNAME, User


def system_user() -> User:
    """The user that automatic actions are recorded under (created by migration)."""
    return User.objects.get(username=SYSTEM_USERNAME)
