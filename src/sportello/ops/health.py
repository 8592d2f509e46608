"""Readiness: can this process serve? The database answers, every migration of the code
is applied, the job queue and the file store are reachable.

The answer names each check and says ok or failed, nothing more: the reason (a host
name, a driver message) goes to the log, never to the unauthenticated caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

PROBE_NAME = ".readyz-probe"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def check_migrations() -> None:
    pending = pending_migrations()
    if pending:
        raise RuntimeError(f"{len(pending)} migrations not applied, first {pending[0]}")


def check_jobs() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()


def check_storage() -> None:
    # Writing proves more than listing: a read-only mount or a bucket without the write
    # grant would accept a listing and fail the first attachment.
    name = default_storage.save(PROBE_NAME, ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "jobs": check_jobs,
    "storage": check_storage,
}


def readiness() -> dict[str, str]:
    """Each check's outcome, "ok" or "failed"; migrations are checked only when the
    database answers."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "failed"
            continue
        try:
            check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    return results
