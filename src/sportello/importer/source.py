"""Reading a Znuny database: MariaDB/MySQL through PyMySQL, PostgreSQL through psycopg.

Rows are streamed with server-side cursors in batches (never a whole table in memory).
Binary columns differ by database: MySQL hands bytes, Znuny on PostgreSQL stores them
base64-encoded in text columns (its ``DirectBlob`` off); ``blob`` undoes either.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

BATCH_SIZE = 2000
# The side connection only reads what belongs to one batch of tickets, by the ticket_id
# and article_id indexes. A database restored from a dump has no statistics until it is
# analysed, and then PostgreSQL's planner guesses every lookup to return most of the
# table: it scanned all of article_data_mime per batch (0.6 s instead of 7 ms). Nested
# index lookups are right for these queries whatever the statistics say.
_INDEX_LOOKUPS = (
    "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off; "
    "SET jit = off; SET max_parallel_workers_per_gather = 0"
)


class SourceError(Exception):
    """The old database cannot be read (unreachable, wrong URL, not a Znuny schema)."""


class Source:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme.split("+")[0]
        self.vendor = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql"}.get(
            scheme, ""
        )
        if self.vendor == "" and scheme == "postgres":
            self.vendor = "postgresql"
        if not self.vendor:
            raise SourceError(
                _("Unknown database URL scheme “%(scheme)s”: use mysql:// or postgresql://.")
                % {"scheme": scheme}
            )
        self.url = url
        self._host = parts.hostname or "127.0.0.1"
        try:
            # Two connections: one streams a large table while the other reads what
            # belongs to each batch (MySQL serves one open result per connection).
            self._connection = self._connect(parts)
            self._side = self._connect(parts)
            if self.vendor == "postgresql":
                self._side.execute(_INDEX_LOOKUPS)
                self._side.commit()  # session settings outlive the transaction
        except Exception as error:
            raise SourceError(
                _("Cannot connect to the Znuny database at %(host)s: %(error)s")
                % {"host": self._host, "error": str(error).strip()}
            ) from error
        self._streams = 0

    def _connect(self, parts: Any) -> Any:
        if self.vendor == "mysql":
            import pymysql

            return pymysql.connect(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 3306,
                user=unquote(parts.username or "root"),
                password=unquote(parts.password or ""),
                database=parts.path.lstrip("/"),
                charset="utf8mb4",
                connect_timeout=10,
                autocommit=False,
            )
        import psycopg

        connection = psycopg.connect(
            self.url.replace("postgresql+psycopg", "postgresql"), connect_timeout=10
        )
        connection.read_only = True
        return connection

    def close(self) -> None:
        for connection in (self._connection, self._side):
            with contextlib.suppress(Exception):  # closing after a lost connection
                connection.close()

    def rows(
        self, sql: str, params: Sequence[Any] = (), *, batch_size: int = BATCH_SIZE
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The result of ``sql`` in lists of ``batch_size`` rows, from a server-side cursor."""
        if self.vendor == "mysql":
            import pymysql.cursors

            cursor = self._connection.cursor(pymysql.cursors.SSCursor)
        else:
            self._streams += 1
            cursor = self._connection.cursor(name=f"import_{self._streams}")
            cursor.itersize = batch_size
        try:
            cursor.execute(sql, tuple(params))
            while True:
                batch = cursor.fetchmany(batch_size)
                if not batch:
                    break
                yield [tuple(row) for row in batch]
        finally:
            cursor.close()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a small result: a catalog table, or what belongs to one batch."""
        with self._side.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return [tuple(row) for row in cursor.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._side.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            row = cursor.fetchone()
        return None if row is None else row[0]

    def tables(self) -> set[str]:
        if self.vendor == "mysql":
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
        else:
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        return {str(row[0]).lower() for row in self.all(sql)}

    def columns(self, table: str) -> set[str]:
        if self.vendor == "mysql":
            sql = (
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s"
            )
        else:
            sql = (
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s"
            )
        return {str(row[0]).lower() for row in self.all(sql, [table])}

    def blob(self, value: Any) -> bytes:
        """A binary column's bytes (base64 text on PostgreSQL)."""
        if value is None:
            return b""
        if isinstance(value, memoryview):
            value = value.tobytes()
        if self.vendor == "postgresql":
            text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
            try:
                return base64.b64decode(text, validate=False)
            except (binascii.Error, ValueError):
                return text.encode("utf-8", "surrogateescape")
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value).decode("utf-8", "replace")
        return str(value)
