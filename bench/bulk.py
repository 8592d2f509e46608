"""Fast mode of the data generator: the same rows as ``bench.generate``, written in bulk.

The tickets, articles and history rows are drawn by the same :class:`Generator`, seed for
seed, so the data are the ones ``generate`` writes (and ``tests/bench`` checks against the
actions layer). What differs is only how they reach the database:

* no model saves: PostgreSQL gets them by ``COPY``, SQLite by ``executemany`` of one
  prepared INSERT; ids are taken ahead (the sequences on PostgreSQL, past the highest id
  on SQLite), so articles and history rows refer to them without reading anything back;
* each batch's full-text documents in the same transaction: the text is composed the way
  ``search.index.ticket_texts`` composes it from the articles just drawn, and stored by
  ``search.index.store_texts`` (``to_tsvector`` on PostgreSQL, the FTS5 triggers on
  SQLite), so ``sportello search_index --rebuild`` would write the same documents;
* for a large load the non-unique indexes of the loaded tables (primary keys and unique
  constraints stay in force) and, on PostgreSQL, their foreign keys are dropped first
  and created again from their own definitions at the end: one sort per index and one
  check per foreign key instead of an index update and a check per row;
* then ``VACUUM ANALYZE`` (PostgreSQL: visibility map for index-only scans and planner
  statistics) or ``ANALYZE`` (SQLite).

Phases are timed apart (``BulkResult.phases``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from bench.generate import Draft, Generator, Options, attachments_of, bulk_pragmas, check_options
from bench.numbers import ticket_numbers
from bench.reference import ensure_reference_data
from sportello.search.index import ARTICLE_FIELDS, store_texts
from sportello.search.models import TicketDocument
from sportello.search.text import normalize
from sportello.sla import update_waits
from sportello.tickets.models import Article, Attachment, History, Ticket

# Loads of at least this many tickets drop and re-create the secondary indexes.
REBUILD_INDEXES_FROM = 50_000
MODELS: tuple[type[models.Model], ...] = (Ticket, Article, Attachment, History, TicketDocument)
# Field types whose Python value the database driver cannot take as it is.
_CONVERTED = {
    "DateTimeField",
    "DateField",
    "TimeField",
    "DurationField",
    "DecimalField",
    "FileField",
    "JSONField",
    "UUIDField",
}


@dataclass
class BulkResult:
    tickets: int = 0
    articles: int = 0
    history: int = 0
    documents: int = 0
    attachments: int = 0
    seconds: float = 0.0
    # Phase name -> seconds: rows (drawing and writing everything), indexes, vacuum.
    phases: dict[str, float] = field(default_factory=dict)


def generate_bulk(
    options: Options,
    *,
    rebuild_indexes: bool | None = None,
    progress: Callable[[BulkResult], None] | None = None,
) -> BulkResult:
    """Write ``options.tickets`` generated tickets. ``rebuild_indexes``: drop and re-create
    the secondary indexes (None: for loads of ``REBUILD_INDEXES_FROM`` tickets or more,
    outside a transaction)."""
    check_options(options)
    if rebuild_indexes is None:
        rebuild_indexes = options.tickets >= REBUILD_INDEXES_FROM and not connection.in_atomic_block
    started = time.perf_counter()
    result = BulkResult()
    generator = Generator(options, ensure_reference_data(customers=options.customers))
    last_before = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    writer = _Writer()
    with bulk_pragmas(), _secondary_indexes_dropped(rebuild_indexes, result):
        for start in range(0, options.tickets, options.batch_size):
            times = generator.times[start : start + options.batch_size]
            with transaction.atomic():
                written = writer.batch(generator, times)
            result.tickets += written.tickets
            result.articles += written.articles
            result.history += written.history
            result.documents += written.documents
            result.attachments += written.attachments
            result.seconds = time.perf_counter() - started
            result.phases["rows"] = round(result.seconds, 1)
            if progress is not None:
                progress(result)
    # The update clock per customer contact, as the articles would have recorded it.
    phase = time.perf_counter()
    new_ids = Ticket.objects.filter(pk__gt=last_before).values_list("pk", flat=True)
    update_waits.rebuild(list(new_ids))
    result.phases["update_waits"] = round(time.perf_counter() - phase, 1)
    phase = time.perf_counter()
    _statistics()
    result.phases["vacuum_analyze"] = round(time.perf_counter() - phase, 1)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Counts:
    tickets: int = 0
    articles: int = 0
    history: int = 0
    documents: int = 0
    attachments: int = 0


class _Writer:
    def __init__(self) -> None:
        self.tickets, self.articles = _Table(Ticket), _Table(Article)
        self.history = _Table(History, with_pk=False)
        self.attachments = _Table(Attachment, with_pk=False)

    def batch(self, generator: Generator, times: Sequence[Any]) -> _Counts:
        drafts = [
            generator.draft(created, number)
            for created, number in zip(times, ticket_numbers(times), strict=True)
        ]
        for draft, pk in zip(drafts, _take_ids(Ticket, len(drafts)), strict=True):
            draft.ticket.pk = pk
        articles = []
        for draft in drafts:
            for entry in draft.entries:
                entry.article.ticket_id = draft.ticket.pk
                articles.append(entry.article)
        for article, pk in zip(articles, _take_ids(Article, len(articles)), strict=True):
            article.pk = pk
        self.tickets.write(d.ticket for d in drafts)
        self.articles.write(articles)
        attachments = attachments_of(drafts)
        self.attachments.write(attachments)
        rows = [values for draft in drafts for values in generator.history_values(draft)]
        self.history.write_values(rows)
        documents = store_texts({d.ticket.pk: document_text(d) for d in drafts})
        return _Counts(len(drafts), len(articles), len(rows), documents, len(attachments))


def document_text(draft: Draft) -> str:
    """The normalized text ``search.index.ticket_texts`` builds from these articles:
    every article's fields in order, then the attachment names. Normalization keeps words within
    a line, so it is done line by line with the repeated lines (greetings, phrases,
    names, addresses) remembered."""
    parts = []
    for entry in draft.entries:
        for name in ARTICLE_FIELDS:
            value = getattr(entry.article, name)
            if value:
                for line in value.split("\n"):
                    normalized = _normalize_line(line)
                    if normalized:
                        parts.append(normalized)
    for entry in draft.entries:
        for attachment in entry.attachments:
            normalized = _normalize_line(attachment.filename)
            if normalized:
                parts.append(normalized)
    return " ".join(parts)


@functools.lru_cache(maxsize=1 << 16)
def _normalize_line(line: str) -> str:
    return normalize(line)


class _Table:
    """The columns of a model and how to turn its field values into row values;
    ``with_pk=False``: the database numbers the rows."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = True) -> None:
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.name = connection.ops.quote_name(model._meta.db_table)
        self.columns = [f.column for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields if not f.primary_key}
        self.converted = [
            (i, f) for i, f in enumerate(self.fields) if f.get_internal_type() in _CONVERTED
        ]

    def _convert(self, values: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in values:
            items = list(row)
            for i, f in self.converted:
                items[i] = f.get_db_prep_save(items[i], connection)
            yield tuple(items)

    def write(self, objects: Iterable[models.Model]) -> None:
        names = self.names
        self._insert(self._convert(tuple(getattr(o, n) for n in names) for o in objects))

    def write_values(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows given as field values by attribute name; defaults for the others."""
        names, defaults = self.names, self.defaults
        self._insert(self._convert(tuple(r.get(n, defaults[n]) for n in names) for r in rows))

    def _insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(self.columns))
                cursor.cursor.executemany(
                    f"INSERT INTO {self.name} ({columns}) VALUES ({marks})", rows
                )


def _take_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, no other writer can take (inside the
    batch's transaction)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]
        # SQLite: the batch has written its ticket counters already, so this transaction
        # holds the database's write lock. AUTOINCREMENT never reuses an id of a
        # deleted row: start past the remembered highest one too.
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), "
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        row = cursor.fetchone()
    first = int(row[0] if row else 0) + 1
    return list(range(first, first + count))


@contextmanager
def _secondary_indexes_dropped(active: bool, result: BulkResult) -> Iterator[None]:
    """Drop the non-unique indexes of the loaded tables and, on PostgreSQL, their foreign
    keys (checked row by row at each commit otherwise); create them again afterwards
    from their own definitions, also when the load fails. Adding a foreign key back
    checks every row at once."""
    if not active:
        yield
        return
    indexes = _secondary_indexes()
    foreign_keys = _foreign_keys()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    try:
        yield
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Sorting a GIN or B-tree index of millions of rows in memory.
                cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            result.phases["indexes"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            for table, name, definition in foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
            if connection.vendor == "postgresql":
                cursor.execute("RESET maintenance_work_mem")
        if foreign_keys:
            result.phases["foreign_keys"] = round(time.perf_counter() - started, 1)


def _foreign_keys() -> list[tuple[str, str, str]]:
    """PostgreSQL: (table, name, definition) of the loaded tables' foreign keys."""
    if connection.vendor != "postgresql":
        return []
    tables = [model._meta.db_table for model in MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
            WHERE k.contype = 'f' AND t.relname = ANY(%s)
              AND t.relnamespace = 'public'::regnamespace
            ORDER BY t.relname, k.conname
            """,
            [tables],
        )
        return [(str(t), str(n), str(d)) for t, n, d in cursor.fetchall()]


def _secondary_indexes() -> list[tuple[str, str]]:
    tables = [model._meta.db_table for model in MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                  AND NOT i.indisunique AND NOT i.indisprimary
                ORDER BY c.relname
                """,
                [tables],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            # Indexes SQLite makes for PRIMARY KEY and UNIQUE have no SQL of their own.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND sql NOT LIKE 'CREATE UNIQUE %%' AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


def _statistics() -> None:
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in MODELS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
        else:
            cursor.execute("ANALYZE")
