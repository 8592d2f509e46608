"""Who performs an action, and through which channel: recorded on every history row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from sportello.accounts.models import User

CHANNELS = ("web", "mail", "api", "job", "cli")

# The app of the user model knows the system user and hands its lookup over when it is
# ready (``use_system_user``): core imports no app.
_system_user: Callable[[], User] | None = None


def use_system_user(lookup: Callable[[], User]) -> None:
    global _system_user
    _system_user = lookup


@dataclass(frozen=True)
class Actor:
    """``user`` is the agent, or the system user for customers and automatic work;
    ``name`` overrides the recorded name (a customer's address, for instance)."""

    user: User
    channel: str = "web"
    name: str = ""

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")

    @property
    def label(self) -> str:
        return self.name or self.user.username

    @classmethod
    def system(cls, channel: str = "job", name: str = "") -> Actor:
        if _system_user is None:
            raise ImproperlyConfigured("No app has named the system user (use_system_user).")
        return cls(user=_system_user(), channel=channel, name=name)
