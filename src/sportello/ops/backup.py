"""``sportello backup DIR`` and ``sportello restore DIR``.

A backup is a folder: the database (SQLite's online backup API, or ``pg_dump`` in its
custom format), the stored files (attachments, raw mails, templates' files) under
``files/``, the file spool under ``spool/``, the non-secret configuration, and
``manifest.json`` with the version, the applied migrations, the row count of every table
and a SHA-256 of every file.

Consistency while mail keeps arriving: the database is read in one snapshot (PostgreSQL:
the rows are counted in the transaction whose snapshot ``pg_dump --snapshot`` dumps), and
the files are copied after it. Files are written before the row that names them is
committed and never changed afterwards, so every file the snapshot names is there;
files of later rows are copied too and do no harm.

Restore goes into an empty installation only, refuses a backup of another version (or
other migrations), and proves itself at the end: every table has the manifest's row
count, every file its checksum, every file named by a row exists, no migration is
pending. Secrets (the secret key, the encryption keys) are not in a backup: the restored
installation needs the same ``SPORTELLO_SECRET_KEY``/``SPORTELLO_ENCRYPTION_KEYS`` to read
encrypted fields.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from sportello.ops.files import stored_names

FORMAT = 1
MANIFEST = "manifest.json"
CONFIGURATION = (
    "SPORTELLO_SYSTEM_ID",
    "SPORTELLO_TICKET_HOOK",
    "SPORTELLO_MAIL_DOMAIN",
    "SPORTELLO_BASE_URL",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "SPORTELLO_SEARCH_CONFIG",
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why."""


@dataclass
class Snapshot:
    counts: dict[str, int]
    migrations: list[str]
    file_names: set[str]


def current_version() -> str:
    return package_version("sportello")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField: what names stored files."""
    return [
        (model._meta.db_table, str(field.column))
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _read_snapshot(cursor: Any, tables: list[str]) -> Snapshot:
    quote = connection.ops.quote_name
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    names: set[str] = set()
    for table, column in _file_columns():
        if table in counts:
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608
                f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
            )
            names.update(str(row[0]) for row in cursor.fetchall())
    return Snapshot(counts, migrations, names)


def _sqlite_tables(cursor: Any) -> list[str]:
    # FTS5's shadow tables are counted with the rest; virtual tables are read through them.
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _postgres_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [str(row[0]) for row in cursor.fetchall()]


def _pg_environment() -> tuple[dict[str, str], list[str]]:
    """The libpq environment and the connection arguments of the default database."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, [*args, "--no-password", "--dbname", str(db["NAME"])]


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_database(target: Path) -> tuple[dict[str, Any], Snapshot]:
    if connection.vendor == "sqlite":
        path = target / "database.sqlite3"
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=60)
        destination = sqlite3.connect(str(path))
        try:
            # The online backup API copies a consistent state while writers go on.
            source.backup(destination)
            snapshot = _read_snapshot(destination.cursor(), _sqlite_tables(destination.cursor()))
        finally:
            destination.close()
            source.close()
        return {"vendor": "sqlite", "file": path.name}, snapshot
    if connection.vendor != "postgresql":
        raise BackupError(f"backups of {connection.vendor} databases are not supported")
    path = target / "database.dump"
    env, args = _pg_environment()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # Count in the very snapshot that pg_dump dumps: they see the same rows.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = str(cursor.fetchone()[0])
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--snapshot={snapshot_id}",
                    f"--file={path}",
                    *args,
                ],
                env,
            )
            snapshot = _read_snapshot(cursor, _postgres_tables(cursor))
        finally:
            cursor.execute("ROLLBACK")
    return {"vendor": "postgresql", "file": path.name}, snapshot


def _stored_names() -> Iterator[str]:
    return stored_names(default_storage)


def _copy_files(target: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    names = sorted(_stored_names())
    for name in names:
        relative = Path("files") / name
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            with default_storage.open(name, "rb") as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        except FileNotFoundError:
            # Deleted since the listing (a purged upload, the readiness probe): a file the
            # snapshot names is never deleted, the check below says so if it was.
            destination.unlink(missing_ok=True)
            continue
        entries[relative.as_posix()] = {
            "sha256": _sha256(destination),
            "size": destination.stat().st_size,
        }
    spool = Path(settings.SPORTELLO_HOME) / "spool"
    if spool.is_dir():
        for path in sorted(p for p in spool.rglob("*") if p.is_file()):
            relative = Path("spool") / path.relative_to(spool)
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            entries[relative.as_posix()] = {
                "sha256": _sha256(destination),
                "size": destination.stat().st_size,
            }
    return entries


def backup(target: Path) -> dict[str, Any]:
    """Write a backup into ``target`` (a new or empty folder); returns the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    database, snapshot = _dump_database(target)
    files = _copy_files(target)
    missing = sorted(name for name in snapshot.file_names if f"files/{name}" not in files)
    if missing:
        raise BackupError(f"{len(missing)} stored files are missing, first: {missing[0]}")
    database["sha256"] = _sha256(target / database["file"])
    configuration = {name: str(getattr(settings, name)) for name in CONFIGURATION}
    (target / "configuration.json").write_text(json.dumps(configuration, indent=2) + "\n")
    manifest = {
        "format": FORMAT,
        "sportello_version": current_version(),
        "created": timezone.now().isoformat(),
        "database": database,
        "migrations": snapshot.migrations,
        "counts": snapshot.counts,
        "files": files,
        "configuration": {
            "file": "configuration.json",
            "sha256": _sha256(target / "configuration.json"),
        },
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


# -- restore ---------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup") from error
    except ValueError as error:
        raise BackupError(f"{source / MANIFEST} is damaged: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _code_migrations() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def check_compatible(manifest: dict[str, Any]) -> None:
    ours = current_version()
    if manifest["sportello_version"] != ours:
        raise BackupError(
            f"the backup was made by Sportello {manifest['sportello_version']}, this is "
            f"{ours}: restore it with that version, then upgrade"
        )
    theirs = set(manifest["migrations"])
    unknown = sorted(theirs - set(_code_migrations()))
    if unknown:
        raise BackupError(f"the backup has migrations this code lacks: {', '.join(unknown[:5])}")
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"the backup holds a {vendor} database, this installation uses {connection.vendor}"
        )


def verify_files(source: Path, manifest: dict[str, Any]) -> None:
    entries = dict(manifest["files"])
    entries[manifest["database"]["file"]] = {"sha256": manifest["database"]["sha256"]}
    entries[manifest["configuration"]["file"]] = {"sha256": manifest["configuration"]["sha256"]}
    for name, entry in entries.items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if _sha256(path) != entry["sha256"]:
            raise BackupError(f"{name} does not match its checksum")


def _existing_tables() -> list[str]:
    return [t for t in connection.introspection.table_names() if not t.startswith("sqlite_")]


@contextmanager
def _closed_connection() -> Iterator[None]:
    connection.close()
    try:
        yield
    finally:
        connection.close()


def _restore_database(source: Path, manifest: dict[str, Any]) -> None:
    dump = source / manifest["database"]["file"]
    if connection.vendor == "sqlite":
        with _closed_connection():
            backup_db = sqlite3.connect(str(dump))
            live = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            try:
                backup_db.backup(live)
            finally:
                live.close()
                backup_db.close()
        return
    env, args = _pg_environment()
    with _closed_connection():
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(dump),
            ],
            env,
        )


def _restore_files(source: Path, manifest: dict[str, Any]) -> None:
    spool = Path(settings.SPORTELLO_HOME) / "spool"
    for name in manifest["files"]:
        path = source / name
        kind, _sep, relative = name.partition("/")
        if kind == "spool":
            destination = spool / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            continue
        with path.open("rb") as handle:
            stored = default_storage.save(relative, File(handle, name=relative))
        if stored != relative:
            raise BackupError(f"the store renamed {relative} to {stored}: it was not empty")


def verify_installation(manifest: dict[str, Any]) -> None:
    """The restored installation holds what the manifest lists, or an error says what
    differs."""
    from sportello.ops.health import pending_migrations

    with connection.cursor() as cursor:
        tables = (
            _sqlite_tables(cursor) if connection.vendor == "sqlite" else _postgres_tables(cursor)
        )
        snapshot = _read_snapshot(cursor, tables)
    if snapshot.counts != manifest["counts"]:
        differing = sorted(
            table
            for table in set(snapshot.counts) | set(manifest["counts"])
            if snapshot.counts.get(table) != manifest["counts"].get(table)
        )
        raise BackupError(f"row counts differ after restore: {', '.join(differing[:5])}")
    for name in snapshot.file_names:
        if not default_storage.exists(name):
            raise BackupError(f"stored file {name} is missing after restore")
    for name, entry in manifest["files"].items():
        kind, _sep, relative = name.partition("/")
        if kind != "files":
            continue
        digest = hashlib.sha256()
        with default_storage.open(relative, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"stored file {relative} differs from the backup after restore")
    pending = pending_migrations()
    if pending:
        raise BackupError(f"{len(pending)} migrations pending after restore")


def restore(source: Path) -> dict[str, Any]:
    """Restore the backup in ``source`` into this (empty) installation and verify it."""
    manifest = read_manifest(source)
    check_compatible(manifest)
    verify_files(source, manifest)
    configuration = json.loads((source / manifest["configuration"]["file"]).read_text())
    if configuration["SPORTELLO_SYSTEM_ID"] != str(settings.SPORTELLO_SYSTEM_ID):
        # Ticket numbers carry the system id: follow-ups would no longer find them.
        raise BackupError(
            f"the backup was made with SPORTELLO_SYSTEM_ID={configuration['SPORTELLO_SYSTEM_ID']}"
            f", this installation has {settings.SPORTELLO_SYSTEM_ID}"
        )
    if _existing_tables():
        raise BackupError(
            "the database is not empty: restore into a new, empty database "
            "(do not run migrate first)"
        )
    if any(_stored_names()):
        raise BackupError("the file store is not empty: restore into an empty one")
    _restore_database(source, manifest)
    _restore_files(source, manifest)
    verify_installation(manifest)
    return manifest
