"""Who performs an action, and through which channel: recorded on every history row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sportello.accounts.models import User

CHANNELS = ("web", "mail", "api", "job", "cli")


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
        from sportello.accounts.selectors import system_user

        return cls(user=system_user(), channel=channel, name=name)
