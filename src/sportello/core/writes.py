"""Inserts and updates of model rows with their SQL built once per process.

``Model.save()`` and ``bulk_create()`` compile their statement for every row: for the rows
that every incoming message writes (ticket, article, history, attachment) and the change
time every action writes, that compiling costs more than the database takes to store
them. :class:`Insert` and :class:`Update` keep the SQL per database and shape (row count,
set of columns) and prepare each value as Django does (``pre_save``, then
``get_db_prep_save``), with a shortcut only where that chain is known to hand the value
back unchanged (text in text columns, integers in integer columns, booleans, NULL).

They send no ``pre_save``/``post_save`` signals, so they refuse a model that has receivers
for them (when built, and again when a statement is first compiled, for receivers
connected later): the project's receivers watch the cached configuration models
(``mail.signals``). On a database other than SQLite or PostgreSQL they fall back to the
ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connections
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
)
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)

_VENDORS = ("postgresql", "sqlite")
# Field classes (exactly these, not subclasses) whose preparation returns a value of the
# given type unchanged on both backends.
_TEXT_FIELDS = (CharField, TextField)
_INTEGER_FIELDS = (
    AutoField,
    BigAutoField,
    BigIntegerField,
    IntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
)

Prepare = Callable[[Model, Any, bool], Any]


def _passthrough_type(field: Field[Any, Any]) -> type | None:
    """The Python type whose values ``field`` stores as they are, or None."""
    target: Any = field
    if type(field) is ForeignKey:
        target = field.target_field
    kind = type(target)
    if kind in _TEXT_FIELDS and type(field) is not ForeignKey:
        return str
    if kind in _INTEGER_FIELDS:
        return int
    if kind is BooleanField and type(field) is not ForeignKey:
        return bool
    return None


def _plain_pre_save(field: Field[Any, Any]) -> bool:
    """Does ``field.pre_save`` hand back the attribute as it is?"""
    if type(field) in (DateField, DateTimeField):  # these only stamp auto_now(_add)
        return not (field.auto_now or field.auto_now_add)  # type: ignore[attr-defined]
    return type(field).pre_save is Field.pre_save


def _preparer(field: Field[Any, Any]) -> Prepare:
    plain_pre_save = _plain_pre_save(field)
    passthrough = _passthrough_type(field)
    attname = field.attname

    def prepare(obj: Model, connection: Any, add: bool) -> Any:
        value = getattr(obj, attname) if plain_pre_save else field.pre_save(obj, add)
        if passthrough is not None and (type(value) is passthrough or value is None):
            return value
        return field.get_db_prep_save(value, connection=connection)

    return prepare


@dataclass(frozen=True)
class _Columns:
    fields: tuple[Field[Any, Any], ...]
    preparers: tuple[Prepare, ...]

    @classmethod
    def of(cls, fields: Iterable[Field[Any, Any]]) -> _Columns:
        chosen = tuple(fields)
        return cls(chosen, tuple(_preparer(f) for f in chosen))

    def values(self, obj: Model, connection: Any, *, add: bool) -> list[Any]:
        return [prepare(obj, connection, add) for prepare in self.preparers]


def _check_signals(model: type[Model]) -> None:
    # The compiled statements skip Model.save(): a receiver would silently miss rows.
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model.__name__}: has pre_save/post_save receivers; use save()")


def _check_model(model: type[Model]) -> None:
    _check_signals(model)
    meta = model._meta
    if meta.parents or meta.order_with_respect_to or len(meta.pk_fields) != 1:
        raise TypeError(f"{model.__name__}: inherited, ordered or composite keys unsupported")
    for field in meta.local_concrete_fields:
        if field.generated or field.has_db_default():
            raise TypeError(f"{model.__name__}.{field.name}: database-side values unsupported")


@dataclass(frozen=True)
class _Single:
    value: Any


class Insert(Generic[M]):
    """New rows of ``model``, primary keys from the database (``RETURNING``)."""

    def __init__(self, model: type[M]) -> None:
        _check_model(model)
        self._model = model
        meta = model._meta
        self._columns = _Columns.of(f for f in meta.local_concrete_fields if f is not meta.pk)
        # Per database: by row count, or (-1, which columns are constant) for the bulk form.
        self._sql: dict[tuple[str, int, tuple[bool, ...]], str] = {}

    def _statement(self, connection: Any, rows: int) -> str:
        key = (connection.alias, rows, ())
        sql = self._sql.get(key)
        if sql is None:
            _check_signals(self._model)
            ops, meta = connection.ops, self._model._meta
            names = ", ".join(ops.quote_name(f.column) for f in self._columns.fields)
            row = "(" + ", ".join(["%s"] * len(self._columns.fields)) + ")"
            sql = self._sql[key] = (
                f"INSERT INTO {ops.quote_name(meta.db_table)} ({names}) "  # noqa: S608
                f"VALUES {', '.join([row] * rows)} RETURNING {ops.quote_name(meta.pk.column)}"
            )
        return sql

    def _unnest_statement(self, connection: Any, constant: tuple[bool, ...]) -> str:
        """Per column an array, or (``constant``) one value for every row: arrays are
        quoted element by element on the client, a value once."""
        key = (connection.alias, -1, constant)
        sql = self._sql.get(key)
        if sql is None:
            _check_signals(self._model)
            ops, meta = connection.ops, self._model._meta
            fields = self._columns.fields
            names = ", ".join(ops.quote_name(f.column) for f in fields)
            types = [f.db_type(connection) for f in fields]
            values = ", ".join(
                f"CAST(%s AS {kind})" if same else f"u.c{n}"
                for n, (kind, same) in enumerate(zip(types, constant, strict=True))
            )
            varying = [n for n, same in enumerate(constant) if not same]
            arrays = [f"%s::{types[n]}[]" for n in varying]
            aliases = [f"c{n}" for n in varying]
            sql = self._sql[key] = (
                f"INSERT INTO {ops.quote_name(meta.db_table)} ({names}) "  # noqa: S608
                f"SELECT {values} FROM unnest({', '.join(arrays)}) AS u({', '.join(aliases)}) "
                f"RETURNING {ops.quote_name(meta.pk.column)}"
            )
        return sql

    def _column(self, objs: Sequence[M], index: int, connection: Any) -> Any:
        """Column ``index`` of ``objs``: its values prepared, as a list; or, when every
        row holds the same value (a job's actor, its time), that value prepared once."""
        field, prepare = self._columns.fields[index], self._columns.preparers[index]
        if _plain_pre_save(field):
            values = [getattr(obj, field.attname) for obj in objs]
            first = values[0]
            if all(value is first or value == first for value in values):
                return _Single(prepare(objs[0], connection, True))
        return [prepare(obj, connection, True) for obj in objs]

    def _values(self, objs: Sequence[M], connection: Any) -> list[list[Any]]:
        rows = []
        for obj in objs:
            if obj.pk is not None:
                raise ValueError(f"{self._model.__name__} {obj.pk} is stored already")
            rows.append(self._columns.values(obj, connection, add=True))
        return rows

    def _execute(
        self, objs: Sequence[M], sql: str, params: Sequence[Any], connection: Any, using: str
    ) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            keys = [row[0] for row in cursor.fetchall()]
        if len(keys) != len(objs):
            raise DatabaseError(f"{len(objs)} rows inserted, {len(keys)} keys returned")
        # SQLite returns the rows of a multi-row insert in no promised order; both
        # backends number a statement's rows in the order given, so sorting restores it.
        for obj, key in zip(objs, sorted(keys), strict=True):
            setattr(obj, self._model._meta.pk.attname, key)
            obj._state.adding = False
            obj._state.db = using

    def save(self, objs: Sequence[M], *, using: str = "default") -> None:
        """Insert ``objs`` (without primary keys) in one statement, in order."""
        if not objs:
            return
        connection = connections[using]
        if connection.vendor not in _VENDORS:
            for obj in objs:
                obj.save(force_insert=True, using=using)
            return
        params = [value for row in self._values(objs, connection) for value in row]
        self._execute(objs, self._statement(connection, len(objs)), params, connection, using)

    def save_many(self, objs: Sequence[M], *, using: str = "default") -> None:
        """Insert any number of rows (a job's batch) with SQL that does not depend on
        their number: PostgreSQL one ``INSERT … SELECT … FROM unnest(…)`` with an array
        per column; SQLite chunks of as many rows as its parameter limit takes."""
        if not objs:
            return
        connection = connections[using]
        if connection.vendor != "postgresql":
            limit = connection.features.max_query_params or len(objs) * len(self._columns.fields)
            size = max(1, limit // len(self._columns.fields))
            for start in range(0, len(objs), size):
                self.save(objs[start : start + size], using=using)
            return
        if any(obj.pk is not None for obj in objs):
            raise ValueError(f"{self._model.__name__}: some rows are stored already")
        columns = [self._column(objs, i, connection) for i in range(len(self._columns.fields))]
        if not any(isinstance(column, list) for column in columns):
            columns[0] = [columns[0].value] * len(objs)  # unnest needs an array at least
        constant = tuple(isinstance(column, _Single) for column in columns)
        params = [c.value for c in columns if isinstance(c, _Single)]
        params.extend(c for c in columns if isinstance(c, list))
        sql = self._unnest_statement(connection, constant)
        self._execute(objs, sql, params, connection, using)


class Update(Generic[M]):
    """Some columns of one stored row, by primary key."""

    def __init__(self, model: type[M]) -> None:
        _check_model(model)
        self._model = model
        self._pk_column = _Columns.of([model._meta.pk])
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, _Columns]] = {}

    def _statement(self, connection: Any, names: tuple[str, ...]) -> tuple[str, _Columns]:
        key = (connection.alias, names)
        compiled = self._compiled.get(key)
        if compiled is None:
            _check_signals(self._model)
            ops, meta = connection.ops, self._model._meta
            fields = [meta.get_field(name) for name in names]
            if any(not f.concrete or f.primary_key for f in fields):
                raise ValueError(f"{self._model.__name__}: not updatable: {names}")
            columns = _Columns.of(f for f in fields if isinstance(f, Field))
            assignments = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in columns.fields)
            sql = (
                f"UPDATE {ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608
                f"WHERE {ops.quote_name(meta.pk.column)} = %s"
            )
            compiled = self._compiled[key] = (sql, columns)
        return compiled

    def save(self, obj: M, fields: Iterable[str], *, using: str = "default") -> None:
        """Like ``obj.save(update_fields=fields)``: fails when the row is gone."""
        names = tuple(sorted(set(fields)))
        connection = connections[using]
        if connection.vendor not in _VENDORS:
            obj.save(update_fields=names, using=using)
            return
        sql, columns = self._statement(connection, names)
        params = columns.values(obj, connection, add=False)
        params.extend(self._pk_column.values(obj, connection, add=False))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated = cursor.rowcount
        if updated != 1:
            raise DatabaseError(f"{self._model.__name__} {obj.pk}: {updated} rows updated")
