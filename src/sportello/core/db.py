"""Database hooks shared by every app.

History is append-only at the database too (see tickets/migrations). On SQLite the
delete trigger consults ``sportello_history_purge_allowed()``, a function this process
registers on each connection: it answers 1 only inside :func:`allow_history_purge`, so
a plain ``sqlite3`` client (which lacks the function) is refused like the app is.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.signals import connection_created

_purge_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sportello_history_purge_allowed", default=False
)


@contextmanager
def allow_history_purge() -> Iterator[None]:
    """Only for wiping a whole database (``flush``); never for single tickets."""
    token = _purge_allowed.set(True)
    try:
        yield
    finally:
        _purge_allowed.reset(token)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "sportello_history_purge_allowed",
            0,
            lambda: 1 if _purge_allowed.get() else 0,
            deterministic=False,
        )


def install_connection_hooks() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="sportello-sqlite-functions")
