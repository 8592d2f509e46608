"""Upgrades from the previous schema keep the data of models that moved between apps.

Each test migrates a scratch database (a file for SQLite, a database of its own on the
PostgreSQL server of the test run) to the schema before the move, writes rows there with
the models of that schema, migrates to the current schema and reads the rows back with
plain SQL. It runs in a child process: the test run's own database stays as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import IS_POSTGRES

# The last migration of each app before the configuration version moved to core and the
# article flags to tickets.
BEFORE_THE_MOVES = [
    ("mail", "0004_config_version"),
    ("tickets", "0013_ticket_without_redundant_indexes"),
    ("web", "0003_widget_filter"),
]

_SCRIPT = """
import json, sys
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

previous, before = [tuple(target) for target in json.loads(sys.argv[1])], sys.argv[2]
executor = MigrationExecutor(connection)
executor.migrate(previous)
exec(before, {"apps": executor.loader.project_state(previous).apps})
executor = MigrationExecutor(connection)
executor.migrate(executor.loader.graph.leaf_nodes())
"""


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database for one upgrade."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    config = settings.DATABASES["default"]
    name = f"{connection.settings_dict['NAME']}_upgrade"
    server = _server(config)
    server(f'DROP DATABASE IF EXISTS "{name}"')
    server(f'CREATE DATABASE "{name}"')
    try:
        yield (
            f"postgresql://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:"
            f"{config['PORT'] or 5432}/{name}"
        )
    finally:
        server(f'DROP DATABASE IF EXISTS "{name}"')


def _server(config: dict[str, Any]) -> Any:
    import psycopg

    def run(sql: str) -> None:
        with psycopg.connect(
            dbname="postgres",
            user=config["USER"],
            password=config["PASSWORD"] or None,
            host=config["HOST"],
            port=config["PORT"] or 5432,
            autocommit=True,
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    return run


def upgrade(url: str, tmp_path: Path, previous: list[tuple[str, str]], before: str) -> None:
    """Migrate ``url`` to ``previous``, run the Python code ``before`` (``apps``: the
    models of that schema), then migrate to the end."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_VERSION", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sportello.settings",
        SPORTELLO_SECRET_KEY="upgrade-test-" + "k" * 40,
        SPORTELLO_HOME=str(tmp_path / "home"),
        DATABASE_URL=url,
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(previous), before],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


def read(url: str, sql: str) -> list[list[Any]]:
    """Rows of ``sql`` in the upgraded database (read by a client of its own)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [list(row) for row in db.execute(sql)]
    import psycopg

    with psycopg.connect(url) as db:
        return [list(row) for row in db.execute(sql)]  # type: ignore[arg-type]


BEFORE = """
ConfigVersion = apps.get_model("mail", "ConfigVersion")
ConfigVersion.objects.filter(pk=1).update(token="before-the-move")
system = apps.get_model("accounts", "User").objects.get(username="system")
ticket = apps.get_model("tickets", "Ticket").objects.create(
    number="2026120710000014",
    queue=apps.get_model("queues", "Queue").objects.get(full_name="Raw"),
    state=apps.get_model("tickets", "State").objects.get(name="new"),
    priority=apps.get_model("tickets", "Priority").objects.get(name="3 normal"),
    type=apps.get_model("tickets", "TicketType").objects.get(name="Unclassified"),
    owner=system,
    created_by=system,
    changed_by=system,
)
article = apps.get_model("tickets", "Article").objects.create(
    ticket=ticket, number=1, channel="note", sender_type="agent", created_by=system
)
apps.get_model("web", "ArticleFlag").objects.create(
    article=article, agent=system, seen=True, marked=True
)
"""


@pytest.mark.django_db
def test_moved_models_keep_their_rows(scratch_database: str, tmp_path: Path) -> None:
    upgrade(scratch_database, tmp_path, BEFORE_THE_MOVES, BEFORE)
    assert read(scratch_database, "SELECT id, token FROM core_configversion") == [
        [1, "before-the-move"]
    ]
    flags = read(
        scratch_database,
        "SELECT a.number, u.username, f.seen, f.marked FROM tickets_articleflag f"
        " JOIN tickets_article a ON a.id = f.article_id"
        " JOIN accounts_user u ON u.id = f.agent_id",
    )
    assert [[number, agent, bool(seen), bool(marked)] for number, agent, seen, marked in flags] == [
        [1, "system", True, True]
    ]
