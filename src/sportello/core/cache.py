"""The per-process configuration cache that every app reads through its selectors.

States, priorities, ticket types, the system user, postmaster filters, the routing table
of system addresses, which queues offer auto-responses, customer notifications or have
subscribers, and the service-level calendars, SLAs and services change rarely, yet were
read from the database several times per message. Each app names the models its cached
lookups read with ``watch`` in its ``AppConfig.ready()``; core knows none of them.

Correctness across processes: every change to one of these models (saved or deleted
through the ORM, or a change of a many-to-many set) writes a new random token into the one
``ConfigVersion`` row, inside the transaction of the change. A process compares the token
with the one its cache was filled under (``refresh``) and drops everything when they
differ: ``ingest_message`` for every message (the token comes with its first read), the
event bus before the
subscribers of a transaction run (at most once a second), so a committed change is seen
by the next message. The process that makes the change also clears its own cache at once.
Changes that bypass the ORM signals (``QuerySet.update``, raw SQL) must call ``bump``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_values: dict[str, Any] = {}
_token: str | None = None
_checked_at = 0.0


def _read_token() -> str:
    from sportello.core.models import ConfigVersion

    # Plain SQL: this runs before every message, the ORM's compiling would cost more
    # than the query.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {ConfigVersion._meta.db_table} WHERE id = %s",  # noqa: S608
            [ConfigVersion.SINGLETON],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def refresh(max_age: float = 0.0) -> None:
    """Drop the cache if the configuration changed since it was filled. ``max_age``:
    skip the check when the last one is younger than that many seconds."""
    if max_age and time.monotonic() - _checked_at < max_age and _token is not None:
        return
    accept(_read_token())


def accept(token: str) -> None:
    """The token as just read from the database (``refresh``, or a statement that reads
    it along with other things): drop the cache if it changed."""
    global _token, _checked_at
    _checked_at = time.monotonic()
    if token != _token:
        _values.clear()
        _token = token


def clear() -> None:
    """Forget everything (the next read reloads); the token is read again too."""
    global _token
    _values.clear()
    _token = None


def get(key: str, load: Callable[[], T]) -> T:
    if _token is None:
        refresh()
    if key not in _values:
        _values[key] = load()
    value: T = _values[key]
    return value


def bump() -> None:
    """Record a configuration change: a new token in the caller's transaction, and this
    process's cache cleared now and again after commit (or rollback: a new read)."""
    from sportello.core.models import ConfigVersion

    token = secrets.token_hex(8)
    updated = ConfigVersion.objects.filter(pk=ConfigVersion.SINGLETON).update(token=token)
    if not updated:
        ConfigVersion.objects.get_or_create(pk=ConfigVersion.SINGLETON, defaults={"token": token})
    clear()
    transaction.on_commit(clear, robust=True)


def on_model_change(sender: Any, **kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete, m2m_changed) for the cached models."""
    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed: only after the change
    if kwargs.get("raw"):
        return  # loading fixtures: no database writes from receivers
    bump()


def watch(model: type[models.Model], *, when: Callable[[Any], bool] | None = None) -> None:
    """Clear the cache whenever ``model`` changes: a saved or deleted row, or, for the
    through model of a many-to-many field, a changed set. ``when``: only rows for which
    it holds (the system user, not every agent's login)."""

    def receiver(sender: Any, **kwargs: Any) -> None:
        if when is None or when(kwargs["instance"]):
            on_model_change(sender, **kwargs)

    # Strong references: the receiver is a closure that nothing else keeps alive.
    uid = f"sportello.core.cache.{model._meta.label}"
    if model._meta.auto_created:  # a many-to-many through model: m2m_changed only
        m2m_changed.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.m2m")
        return
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete")


def refresh_before_dispatch() -> None:
    """Subscribers of committed events read the cache too: check at most once a second."""
    refresh(max_age=1.0)
