"""Which database a run uses, fresh ones created and dropped, and their size.

Sportello's settings read ``DATABASE_URL`` once, at import, so :func:`target` must run
before Django is set up: it points the environment at the database and yields.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_FRESH_NAME = "sportello_bench"


@dataclass
class Target:
    fresh: bool
    # Where to look after a --keep run: the SQLite folder or the PostgreSQL database name.
    location: str = ""


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.startswith(("postgres", "postgresql"))


@contextmanager
def target(*, fresh: bool, keep: bool, name: str = DEFAULT_FRESH_NAME) -> Iterator[Target]:
    """Point the environment at the database to use. ``fresh``: a new SQLite file in a
    temporary folder, or a new PostgreSQL database ``name`` next to the one
    ``DATABASE_URL`` names; removed afterwards unless ``keep``."""
    if not fresh:
        yield Target(fresh=False)
        return
    url = os.environ.get("DATABASE_URL", "")
    folder = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    # Files (media, Huey's queue) of a fresh run go with its database.
    os.environ["SPORTELLO_HOME"] = str(folder / "home")
    if is_postgres(url):
        fresh_url = _create_postgres(url, name)
        os.environ["DATABASE_URL"] = fresh_url
        found = Target(fresh=True, location=f"PostgreSQL database {name}")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'sportello.sqlite3'}"
        found = Target(fresh=True, location=str(folder))
    try:
        yield found
    finally:
        _close_django_connections()
        if keep:
            print(f"kept: {found.location}", file=sys.stderr)
        else:
            if is_postgres(url):
                _drop_postgres(url, name)
            shutil.rmtree(folder, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _create_postgres(url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    if urlsplit(url).path.lstrip("/") == name:
        raise SystemExit(f"DATABASE_URL already names {name}; point it at another database")
    # CREATE/DROP DATABASE cannot run in a transaction: autocommit on the named database.
    with psycopg.connect(_libpq_url(url), autocommit=True) as maintenance:
        maintenance.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(url, name)


def _drop_postgres(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_libpq_url(url), autocommit=True) as maintenance:
        maintenance.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _libpq_url(url: str) -> str:
    # dj-database-url knows more schemes (postgis://, pgsql://) than libpq does.
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def database_figures() -> dict[str, int | str]:
    """Vendor, server version and size in bytes of the database Django is connected to:
    SQLite the file plus its write-ahead log, PostgreSQL ``pg_database_size``."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_database(), pg_database_size(current_database())")
            row = cursor.fetchone()
            assert row is not None
            name, size = str(row[0]), int(row[1])
            version = str(connection.pg_version)  # type: ignore[attr-defined]
        else:
            cursor.execute("SELECT sqlite_version()")
            row = cursor.fetchone()
            version = str(row[0]) if row else ""
            name = str(connection.settings_dict["NAME"])
            size = sum(
                os.path.getsize(path) for path in (name, f"{name}-wal") if os.path.exists(path)
            )
    return {"database": connection.vendor, "db_version": version, "db_name": name, "db_bytes": size}
