"""Upgrades from the previous schema keep the data of models that moved between apps.

Each test migrates a scratch database (a file for SQLite, a database of its own on the
PostgreSQL server of the test run) to the schema before the move, writes rows there with
plain SQL, migrates to the current schema and reads them through today's models. It runs
in a child process: the test run's own database stays as it is.
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

# The last migration of each app before the configuration version moved to core.
BEFORE_CONFIG_VERSION_MOVE = [("mail", "0004_config_version")]

_SCRIPT = """
import json, sys
import django
django.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

previous, before = json.loads(sys.argv[1]), sys.argv[2]
MigrationExecutor(connection).migrate([tuple(target) for target in previous])
with connection.cursor() as cursor:
    cursor.execute(before)
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
    """Migrate ``url`` to ``previous``, run the SQL ``before``, then migrate to the end."""
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
    subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps(previous), before],
        env=env,
        capture_output=True,
        timeout=300,
        check=True,
    )


def read(url: str, tmp_path: Path, sql: str) -> list[list[Any]]:
    """Rows of ``sql`` in the upgraded database (read by a client of its own)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return [list(row) for row in db.execute(sql)]
    import psycopg

    with psycopg.connect(url) as db:
        return [list(row) for row in db.execute(sql)]  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_configuration_token_moves_to_core_with_its_row(
    scratch_database: str, tmp_path: Path
) -> None:
    upgrade(
        scratch_database,
        tmp_path,
        BEFORE_CONFIG_VERSION_MOVE,
        "UPDATE mail_configversion SET token = 'before-the-move'",
    )
    assert read(scratch_database, tmp_path, "SELECT id, token FROM core_configversion") == [
        [1, "before-the-move"]
    ]
