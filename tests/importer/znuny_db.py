"""A throw-away Znuny database for the import tests: PostgreSQL from Znuny's own schema
files (/work/shared/znuny-schema, or SPORTELLO_ZNUNY_SCHEMA), MariaDB from the same files
with their types turned into MySQL's (the column names and types follow Znuny's
schema.xml; the indexes are left out). Each database gets a unique name."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SCHEMA_DIR = Path(os.environ.get("SPORTELLO_ZNUNY_SCHEMA", "/work/shared/znuny-schema"))
PG_ADMIN = os.environ.get(
    "SPORTELLO_TEST_ZNUNY_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MYSQL_HOST = os.environ.get("SPORTELLO_TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("SPORTELLO_TEST_MYSQL_PORT", "3306"))
IN_CI = os.environ.get("CI") == "true"
# Znuny's binary columns (LONGBLOB on MySQL, base64 text on PostgreSQL).
BLOBS = {
    ("article_data_mime_plain", "body"),
    ("article_data_mime_attachment", "content"),
    ("faq_attachment", "content"),
}
TABLES_FOR_MYSQL = None  # every table of the schema file


# The FAQ package's tables (not in Znuny's core schema): written from the
# <DatabaseInstall> section of FAQ.sopm in the znuny/FAQ repository, in the form of Znuny's
# PostgreSQL schema file (its DATE columns are timestamps, LONGBLOB is base64 text).
FAQ_SCHEMA = """
CREATE TABLE faq_language (
    id smallserial NOT NULL,
    name VARCHAR (200) NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_state_type (
    id smallserial NOT NULL,
    name VARCHAR (200) NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_state (
    id smallserial NOT NULL,
    name VARCHAR (200) NOT NULL,
    type_id INTEGER NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_category (
    id serial NOT NULL,
    parent_id INTEGER NOT NULL,
    name VARCHAR (200) NOT NULL,
    comments VARCHAR (200) NULL,
    valid_id SMALLINT NOT NULL,
    created timestamp(0) NOT NULL,
    created_by INTEGER NOT NULL,
    changed timestamp(0) NOT NULL,
    changed_by INTEGER NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_category_group (
    id serial NOT NULL,
    category_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    created timestamp(0) NULL,
    created_by INTEGER NULL,
    changed timestamp(0) NULL,
    changed_by INTEGER NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_item (
    id serial NOT NULL,
    f_number VARCHAR (200) NOT NULL,
    f_subject VARCHAR (200) NULL,
    f_name VARCHAR (200) NOT NULL,
    f_language_id SMALLINT NOT NULL,
    state_id SMALLINT NOT NULL,
    category_id SMALLINT NOT NULL,
    approved SMALLINT NOT NULL DEFAULT 1,
    valid_id SMALLINT NOT NULL DEFAULT 1,
    content_type VARCHAR (250) NOT NULL DEFAULT 'text/html',
    f_keywords VARCHAR (400) NULL,
    f_field1 VARCHAR (20000) NULL,
    f_field2 VARCHAR (20000) NULL,
    f_field3 VARCHAR (20000) NULL,
    f_field4 VARCHAR (20000) NULL,
    f_field5 VARCHAR (20000) NULL,
    f_field6 VARCHAR (20000) NULL,
    created timestamp(0) NOT NULL,
    created_by INTEGER NOT NULL,
    changed timestamp(0) NOT NULL,
    changed_by INTEGER NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_attachment (
    id bigserial NOT NULL,
    faq_id BIGINT NOT NULL,
    filename VARCHAR (250) NULL,
    content_size VARCHAR (30) NULL,
    content_type VARCHAR (250) NULL,
    content TEXT NOT NULL,
    inlineattachment SMALLINT NOT NULL DEFAULT 0,
    created timestamp(0) NOT NULL,
    created_by INTEGER NOT NULL,
    changed timestamp(0) NOT NULL,
    changed_by INTEGER NOT NULL,
    PRIMARY KEY(id)
);
CREATE TABLE faq_voting (
    id bigserial NOT NULL,
    created_by VARCHAR (200) NOT NULL,
    item_id INTEGER NOT NULL,
    interface VARCHAR (80) NULL,
    ip VARCHAR (50) NULL,
    rate INTEGER NOT NULL,
    created timestamp(0) NULL,
    PRIMARY KEY(id)
);
"""


def create_faq_tables(db: ZnunyDB) -> None:
    if db.vendor == "postgresql":
        db.execute(FAQ_SCHEMA)
    else:
        for statement in mysql_ddl(FAQ_SCHEMA):
            db.execute(statement)
    db._known = {}


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def schema_file(name: str) -> str:
    path = SCHEMA_DIR / name
    if not path.exists():
        unavailable(f"Znuny's schema files are not at {SCHEMA_DIR}")
    return path.read_text()


def _tables_of(sql: str) -> list[tuple[str, str]]:
    """(table, CREATE TABLE statement) of Znuny's PostgreSQL schema file."""
    return re.findall(r"(CREATE TABLE (\w+) \(.*?\n\);)", sql, re.DOTALL)  # type: ignore[return-value]


def mysql_ddl(sql: str) -> list[str]:
    statements = []
    for statement, table in _tables_of(sql):
        lines = []
        for line in statement.splitlines():
            column = line.strip().split(" ")[0]
            line = re.sub(r"\bbigserial NOT NULL", "BIGINT NOT NULL AUTO_INCREMENT", line)
            line = re.sub(r"\bserial NOT NULL", "INTEGER NOT NULL AUTO_INCREMENT", line)
            line = re.sub(r"\bsmallserial NOT NULL", "SMALLINT NOT NULL AUTO_INCREMENT", line)
            line = line.replace("timestamp(0)", "DATETIME")
            if (table, column) in BLOBS:
                line = re.sub(r"\bTEXT\b", "LONGBLOB", line)
            line = re.sub(r"\bVARCHAR NULL", "MEDIUMTEXT NULL", line)
            line = re.sub(r"\bVARCHAR NOT NULL", "MEDIUMTEXT NOT NULL", line)
            line = re.sub(r"\bTEXT\b", "MEDIUMTEXT", line)
            match = re.search(r"VARCHAR \((\d+)\)", line)
            if match and int(match[1]) > 1000 and "CONSTRAINT" not in line:
                line = line.replace(match[0], "MEDIUMTEXT")
            lines.append(line)
        statements.append("\n".join(lines).rstrip(";") + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    return statements


def initial_inserts(sql: str) -> list[str]:
    """Znuny's initial rows, one statement each (a statement ends where the next comment
    or statement begins: its texts hold semicolons and line breaks of their own)."""
    found = re.findall(
        r"^(INSERT INTO .*?\);)\n(?=--|INSERT INTO|\Z)", sql + "\n", re.DOTALL | re.MULTILINE
    )
    return [statement.rstrip(";") for statement in found]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_private_mariadb: dict[str, Any] = {}


def _mysql_server() -> tuple[str, int]:
    """The running MariaDB on loopback, else a private one started on a free port."""
    import pymysql

    try:
        pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", connect_timeout=3).close()
        return MYSQL_HOST, MYSQL_PORT
    except pymysql.err.OperationalError:
        pass
    if "port" in _private_mariadb:
        return "127.0.0.1", int(_private_mariadb["port"])
    server = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db")
    if not Path(server).exists() or install is None:
        unavailable("MariaDB is not running and not installed (Debian package mariadb-server)")
    data = Path(tempfile.mkdtemp(prefix="sportello-mariadb-"))
    subprocess.run(
        [
            install,
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            server,
            f"--datadir={data}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={data}/sock",
            "--skip-grant-tables=0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=1).close()
            break
        except pymysql.err.OperationalError:
            time.sleep(0.1)
    _private_mariadb.update(port=port, process=process, data=data)
    return "127.0.0.1", port


class ZnunyDB:
    """One Znuny database: ``url`` for the importer, ``execute``/``insert`` to fill it."""

    def __init__(self, vendor: str, url: str, connection: Any) -> None:
        self.vendor, self.url, self.connection = vendor, url, connection

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, tuple(params) if params else None)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params or None)
            return [tuple(r) for r in cursor.fetchall()]

    def blob(self, data: bytes) -> Any:
        import base64

        return base64.b64encode(data).decode() if self.vendor == "postgresql" else data

    def insert(self, table: str, **values: Any) -> None:
        stamps = {
            "create_time": "2024-03-01 09:00:00",
            "create_by": 1,
            "change_time": "2024-03-01 09:00:00",
            "change_by": 1,
        }
        columns = self._columns(table)
        row = {k: v for k, v in stamps.items() if k in columns}
        row.update(values)
        names = ", ".join(row)
        marks = ", ".join(["%s"] * len(row))
        self.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))

    _known: dict[str, set[str]] = {}

    def _columns(self, table: str) -> set[str]:
        if table not in self._known:
            self._known[table] = {
                str(r[0]).lower()
                for r in self.query(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    (table,),
                )
            }
        return self._known[table]

    def commit(self) -> None:
        self.connection.commit()


@contextmanager
def postgres_znuny(with_schema: bool = True) -> Iterator[ZnunyDB]:
    import psycopg

    name = f"znuny_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL for the Znuny database: {error}")
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    connection = psycopg.connect(url)
    try:
        db = ZnunyDB("postgresql", url, connection)
        db._known = {}
        if with_schema:
            db.execute(schema_file("schema.postgresql.sql"))
            db.execute(schema_file("initial_insert.postgresql.sql"))
            db.commit()
        yield db
    finally:
        connection.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def finish_postgres(db: ZnunyDB) -> None:
    """Znuny's foreign keys and indexes, after the test's rows (they must satisfy them)."""
    if db.vendor == "postgresql":
        db.execute(schema_file("schema-post.postgresql.sql"))
    db.commit()


@contextmanager
def mysql_znuny(with_schema: bool = True) -> Iterator[ZnunyDB]:
    import pymysql

    host, port = _mysql_server()
    name = f"znuny_{uuid.uuid4().hex[:10]}"
    admin = pymysql.connect(host=host, port=port, user="root", autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    connection = pymysql.connect(
        host=host,
        port=port,
        user="root",
        database=name,
        charset="utf8mb4",
        init_command="SET sql_mode='NO_BACKSLASH_ESCAPES'",
    )
    try:
        db = ZnunyDB("mysql", f"mysql://root@{host}:{port}/{name}", connection)
        db._known = {}
        if with_schema:
            for statement in mysql_ddl(schema_file("schema.postgresql.sql")):
                db.execute(statement)
            for statement in initial_inserts(schema_file("initial_insert.postgresql.sql")):
                db.execute(statement)
            db.commit()
        yield db
    finally:
        connection.close()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
