"""Connect the configuration cache (``mail.cache``) to the models it caches."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from sportello.mail import cache


def _system_user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Only the system user is cached; logins of other agents must not clear the cache.
    if getattr(instance, "is_system", False):
        cache.on_model_change(sender, **kwargs)


def connect() -> None:
    from sportello.accounts.models import User
    from sportello.mail.models import AutoResponse, PostmasterFilter
    from sportello.notifications.models import CustomerNotification
    from sportello.queues.models import Queue, SystemAddress
    from sportello.sla.models import SLA, Calendar, Holiday, Service, WorkingHours
    from sportello.tickets.models import Priority, State, TicketType

    uid = "sportello.mail.cache"
    for model in (
        State,
        Priority,
        TicketType,
        Queue,
        SystemAddress,
        PostmasterFilter,
        AutoResponse,
        CustomerNotification,
        # Service-level configuration, read for every due-time recomputation.
        Calendar,
        WorkingHours,
        Holiday,
        SLA,
        Service,
    ):
        post_save.connect(cache.on_model_change, sender=model, dispatch_uid=f"{uid}.save.{model}")
        post_delete.connect(
            cache.on_model_change, sender=model, dispatch_uid=f"{uid}.delete.{model}"
        )
    for through in (
        AutoResponse.queues.through,
        CustomerNotification.queues.through,
        User.my_queues.through,
    ):
        m2m_changed.connect(
            cache.on_model_change, sender=through, dispatch_uid=f"{uid}.m2m.{through}"
        )
    post_save.connect(_system_user_saved, sender=User, dispatch_uid=f"{uid}.system_user")
    post_delete.connect(_system_user_saved, sender=User, dispatch_uid=f"{uid}.system_user.del")
