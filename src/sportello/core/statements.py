"""Reads compiled to SQL once per process and run many times.

Django compiles a queryset to SQL every time it is evaluated. For the few reads that every
incoming message or every action makes (a row by primary key, a duplicate by hash), that
compiling costs more than the database takes to answer. A :class:`Statement` builds its
queryset once, with placeholder values, keeps the SQL and where the placeholders sit
among its parameters, and afterwards runs the SQL with the real values. Rows go through
the same converters (SQLite's datetimes and booleans) and model instances are built the
way Django's own iterable builds them (``select_related`` objects and annotations
included), so a statement returns exactly what its queryset would.

Placeholders are typed: text, integers, or a list of either (compiled once per list
length, as ``IN (...)`` changes with it). The builder must pass each placeholder on as a
filter value untouched: a placeholder that does not come out in the parameters (or comes
out twice) is refused at compile time, not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

TEXT, INTEGER = "text", "integer"
# Values no real parameter has: text that cannot come from a form or a mail header, and
# integers far below any primary key.
_TEXT_MARK = "\x1fsportello-placeholder-{}\x1f"
_INTEGER_BASE = -7_340_000_000_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Per parameter: the index of the value that replaces it, or None to keep it.
    slots: tuple[tuple[int, int] | None, ...]
    converters: dict[int, Any]
    select: Any
    klass_info: Any
    annotation_col_map: dict[str, int]


def _placeholder(kind: str, number: int) -> Any:
    return _TEXT_MARK.format(number) if kind == TEXT else _INTEGER_BASE - number


class Statement(Generic[M]):
    """A read built by ``build(*placeholders)`` once per database and shape of values.

    ``kinds`` names the kind of each value: ``TEXT`` or ``INTEGER``, or a one-element list
    of either for a list of values (``[TEXT]``)."""

    def __init__(self, build: Callable[..., QuerySet[M, Any]], *kinds: str | list[str]) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[tuple[str, tuple[int, ...]], _Compiled] = {}

    def _shape(self, values: Sequence[Any]) -> tuple[int, ...]:
        if len(values) != len(self._kinds):
            raise TypeError(f"{len(self._kinds)} values expected, {len(values)} given")
        return tuple(
            len(v) if isinstance(k, list) else -1 for k, v in zip(self._kinds, values, strict=True)
        )

    def _compile(self, using: str, shape: tuple[int, ...]) -> _Compiled:
        placeholders: list[Any] = []
        wanted: dict[Any, tuple[int, int]] = {}
        counter = 0
        for index, (kind, length) in enumerate(zip(self._kinds, shape, strict=True)):
            if isinstance(kind, list):
                items = []
                for position in range(length):
                    mark = _placeholder(kind[0], counter)
                    wanted[mark] = (index, position)
                    items.append(mark)
                    counter += 1
                placeholders.append(items)
            else:
                mark = _placeholder(kind, counter)
                wanted[mark] = (index, -1)
                placeholders.append(mark)
                counter += 1
        queryset = self._build(*placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(wanted.get(p) if isinstance(p, str | int) else None for p in params)
        found = [slot for slot in slots if slot is not None]
        if sorted(found) != sorted(wanted.values()):
            raise ValueError("every placeholder must appear exactly once among the parameters")
        columns = [column for column, _, _ in compiler.select]
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=compiler.get_converters(columns),
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
        )

    def _run(self, values: Sequence[Any], using: str) -> tuple[_Compiled, list[Any]]:
        connection = connections[using]
        shape = self._shape(values)
        key = (f"{using}:{connection.vendor}", shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, shape)
        params = [
            (values[slot[0]] if slot[1] < 0 else values[slot[0]][slot[1]])
            if slot is not None
            else param
            for slot, param in zip(compiled.slots, compiled.params, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        return compiled, rows

    def rows(self, *values: Any, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows as tuples, converted (for ``values_list`` querysets)."""
        return [tuple(row) for row in self._run(values, using)[1]]

    def objects(self, *values: Any, using: str = "default") -> list[M]:
        """Model instances, with their ``select_related`` objects and annotations."""
        compiled, rows = self._run(values, using)
        info = compiled.klass_info
        model: type[M] = info["model"]
        fields = info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiled.select[start:end]]
        # The stubs describe Django 6's signature (with a fetch mode); 5.2 has three.
        populators = get_related_populators(info, compiled.select, using)  # type: ignore[call-arg]
        found = []
        for row in rows:
            obj = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in compiled.annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *values: Any, using: str = "default") -> M | None:
        found = self.objects(*values, using=using)
        return found[0] if found else None


def _convert(row: Sequence[Any], converters: dict[int, Any], connection: Any) -> list[Any]:
    converted = list(row)
    for position, (functions, expression) in converters.items():
        value = converted[position]
        for function in functions:
            value = function(value, expression, connection)
        converted[position] = value
    return converted
