"""Reads that may be a few seconds stale (overview counts, statistics) go to a read
replica when ``DATABASE_REPLICA_URL`` configures one; everything else, and every read
inside a transaction (which must see its own writes), goes to the primary.

Code marks such reads with ``with replica.stale_ok():``; without a replica the block
changes nothing. Permission grants are read before the block (a revoked grant must take
effect at once, not after the replica caught up).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

ALIAS = "replica"
_stale_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("stale_ok", default=False)


@contextmanager
def stale_ok() -> Iterator[None]:
    token = _stale_ok.set(True)
    try:
        yield
    finally:
        _stale_ok.reset(token)


def configured() -> bool:
    return ALIAS in connections.databases


class ReplicaRouter:
    """Django database router (``DATABASE_ROUTERS``)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _stale_ok.get() and configured() and not connections["default"].in_atomic_block:
            return ALIAS
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != ALIAS  # the replica follows the primary by replication
