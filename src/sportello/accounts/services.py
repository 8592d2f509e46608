"""Changes an agent makes to their own account (preferences)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import REFRESH_CHOICES, SKINS, User, time_zones
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue

TRANSPORTS = ("email", "app")


def selectable_queues(agent: User) -> list[Queue]:
    """Queues an agent may put in My Queues: those whose tickets they may see."""
    return list(permissions.queue_choices(agent, "ro"))


@transaction.atomic
def update_preferences(
    agent: User,
    *,
    my_queues: Iterable[Queue],
    out_of_office: tuple[date | None, date | None],
    notifications: Mapping[str, Mapping[str, bool]],
    after_create: str | None = None,
    appearance: Mapping[str, str | int] | None = None,
) -> User:
    """Saves the agent's preferences. ``appearance`` holds any of ``language``,
    ``time_zone``, ``name_suffix``, ``refresh_seconds`` and ``skin``."""
    start, end = out_of_office
    if (start is None) != (end is None):
        raise InvalidInput(_("Give both the first and the last day of absence, or neither."))
    if start is not None and end is not None and end < start:
        raise InvalidInput(_("The last day of absence is before the first."))
    queues = list(my_queues)
    for queue in queues:
        permissions.require(agent, "ro", queue)
    agent.out_of_office_start, agent.out_of_office_end = start, end
    agent.notification_settings = {
        kind: {transport: bool(flags.get(transport, True)) for transport in TRANSPORTS}
        for kind, flags in notifications.items()
    }
    agent.save(update_fields=["out_of_office_start", "out_of_office_end", "notification_settings"])
    if after_create is not None and after_create != agent.after_create:
        if after_create not in {"zoom", "form"}:
            raise InvalidInput(_("Unknown choice: %(value)s"), value=after_create)
        agent.after_create = after_create
        agent.save(update_fields=["after_create"])
    if appearance:
        update_appearance(agent, appearance)
    agent.my_queues.set(queues)
    return agent


def update_appearance(agent: User, values: Mapping[str, str | int]) -> None:
    """Language, time zone, name suffix, refresh interval and skin, checked."""
    allowed: dict[str, set[str | int]] = {
        "language": {"", *(code for code, _name in settings.LANGUAGES)},
        "time_zone": {"", *time_zones()},
        "refresh_seconds": {seconds for seconds, _label in REFRESH_CHOICES},
        "skin": {code for code, _label in SKINS},
    }
    changed = []
    for name, value in values.items():
        if name == "name_suffix":
            value = str(value).strip()[:100]
        elif name not in allowed:
            raise InvalidInput(_("Unknown preference: %(value)s"), value=name)
        elif value not in allowed[name]:
            raise InvalidInput(_("Unknown choice: %(value)s"), value=value)
        if getattr(agent, name) != value:
            setattr(agent, name, value)
            changed.append(name)
    if changed:
        agent.save(update_fields=changed)


def set_menu_order(agent: User, order: Sequence[str], *, known: Sequence[str]) -> list[str]:
    """The agent's order of the top menu: ``order`` names entries of ``known`` (the menu's
    keys) at most once each; the others follow in their default order."""
    keys = [str(key) for key in order]
    unknown = [key for key in keys if key not in known]
    if unknown or len(set(keys)) != len(keys):
        raise InvalidInput(
            _("The menu order names unknown or repeated entries: %(value)s"),
            value=", ".join(unknown or keys),
        )
    new = keys + [key for key in known if key not in keys]
    if agent.menu_order != new:
        agent.menu_order = new
        agent.save(update_fields=["menu_order"])
    return new
