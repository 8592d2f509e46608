"""The top menu: its entries and each agent's order of them (``User.menu_order``, seed
003: agents arrange the menu by drag and drop; move-up/down buttons on the preferences
page do the same without a pointer or without JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: Any
    url_name: str


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("dashboard", _("Dashboard"), "web:home"),
    MenuEntry("queues", _("Queue view"), "web:queue-view"),
    MenuEntry("status", _("Status view"), "web:status"),
    MenuEntry("phone", _("New phone ticket"), "web:new-phone-ticket"),
    MenuEntry("email", _("New email ticket"), "web:new-email-ticket"),
    MenuEntry("search", _("Search"), "search:search"),
    MenuEntry("faq", _("FAQ"), "web:faq-explorer"),
    MenuEntry("reports", _("Reports"), "web:reports"),
)
KEYS = tuple(entry.key for entry in MENU)


def visible(user: Any) -> tuple[MenuEntry, ...]:
    """The entries ``user`` sees: statistics only for the reporting group."""
    from sportello.accounts.permissions import may_report

    if user is not None and getattr(user, "is_authenticated", False) and may_report(user, "ro"):
        return MENU
    return tuple(entry for entry in MENU if entry.key != "reports")


def keys_for(user: Any) -> tuple[str, ...]:
    return tuple(entry.key for entry in visible(user))


def ordered(saved: Any, entries: tuple[MenuEntry, ...] = MENU) -> list[MenuEntry]:
    """The entries in the saved order (a list of keys); keys it lacks follow in the
    default order, anything else in it is passed over."""
    by_key = {entry.key: entry for entry in entries}
    chosen = [key for key in saved if key in by_key] if isinstance(saved, list) else []
    defaults = [entry.key for entry in entries]
    keys = list(dict.fromkeys(chosen)) + [key for key in defaults if key not in chosen]
    return [by_key[key] for key in keys]


def moved(saved: Any, key: str, step: int, entries: tuple[MenuEntry, ...] = MENU) -> list[str]:
    """The order with ``key`` one place up (``step`` -1) or down (+1)."""
    keys = [entry.key for entry in ordered(saved, entries)]
    if key in keys:
        index = keys.index(key)
        target = min(max(index + step, 0), len(keys) - 1)
        keys.insert(target, keys.pop(index))
    return keys
