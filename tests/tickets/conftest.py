from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db.migrations import RunPython

# The data migrations, in dependency order; each is idempotent (get_or_create).
DATA_MIGRATIONS = [
    "sportello.accounts.migrations.0002_initial_data",
    "sportello.queues.migrations.0002_initial_data",
    "sportello.tickets.migrations.0002_initial_data",
    "sportello.tickets.migrations.0007_junk_queue_and_spam_state",
    "sportello.mail.migrations.0003_default_auto_responses",
]


@pytest.fixture
def initial_data(transactional_db: None) -> None:
    """Initial data for transactional tests, whatever ran before them.

    A transactional test flushes every table when it ends. Serialized rollback restores
    the migrated data only while the test connection still carries its snapshot, which
    is not the case after the browser tests (Playwright's event loop gives the thread a
    fresh connection object); re-running the data migrations gives the same rows."""
    from sportello.accounts.models import Group

    if Group.objects.filter(name="users").exists():
        return
    for name in DATA_MIGRATIONS:
        migration = importlib.import_module(name).Migration
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)
