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
out twice) is refused at compile time, not guessed at. A time (``TIME``: the current
time of a statement full of "due before now") may come out any number of times (none:
a statement whose conditions were all dropped, such as for an agent without queues);
each occurrence gets the value of the run. A time the builder derives from the
placeholder (``now - delta``) is not recognised: pass such times as values of their own.

A statement whose SQL depends on more than its values (the agent whose permissions it
spells out) is built per :class:`Variant`; such statements can be kept in a store that
forgets them (the configuration cache, emptied when queues, states or grants change)
rather than for the life of the process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

TEXT, INTEGER, TIME = "text", "integer", "time"
# Values no real parameter has: text that cannot come from a form or a mail header,
# integers far below any primary key, times to the microsecond in 1901.
_TEXT_MARK = "\x1fsportello-placeholder-{}\x1f"
_INTEGER_BASE = -7_340_000_000_000
_TIME_BASE = datetime(1901, 2, 3, 4, 5, 6, 7, tzinfo=UTC)


@dataclass(frozen=True)
class Variant:
    """What a statement's SQL depends on besides its values: ``key`` names the variant
    among the compiled statements, ``args`` go to the builder after the placeholders."""

    key: str
    args: tuple[Any, ...] = ()


# Where a value of the run goes: its index among the values, its position in a list
# value (-1: not a list), and whether it is a time (prepared for the database first).
_Slot = tuple[int, int, bool]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Per parameter: where its value comes from, or None to keep it.
    slots: tuple[_Slot | None, ...]
    converters: dict[int, Any]
    select: Any
    klass_info: Any
    annotation_col_map: dict[str, int]


def _placeholder(kind: str, number: int) -> Any:
    if kind == TIME:
        return _TIME_BASE + timedelta(microseconds=number)
    return _TEXT_MARK.format(number) if kind == TEXT else _INTEGER_BASE - number


Store = Callable[[str, Callable[[], _Compiled]], _Compiled]


class Statement(Generic[M]):
    """A read built by ``build(*placeholders)`` once per database and shape of values.

    ``kinds`` names the kind of each value: ``TEXT``, ``INTEGER`` or ``TIME``, or a
    one-element list of text or integers for a list of values (``[TEXT]``). ``store``:
    where the compiled statements are kept, as ``store(key, compile)`` returning the
    kept one or compiling it (default: this object, for the life of the process)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[M, Any]],
        *kinds: str | list[str],
        store: Store | None = None,
    ) -> None:
        self._build = build
        self._kinds = kinds
        self._store = store
        self._compiled: dict[tuple[str, tuple[int, ...], str], _Compiled] = {}

    def _shape(self, values: Sequence[Any]) -> tuple[int, ...]:
        if len(values) != len(self._kinds):
            raise TypeError(f"{len(self._kinds)} values expected, {len(values)} given")
        return tuple(
            len(v) if isinstance(k, list) else -1 for k, v in zip(self._kinds, values, strict=True)
        )

    def _compile(self, using: str, shape: tuple[int, ...], variant: Variant | None) -> _Compiled:
        connection = connections[using]
        placeholders: list[Any] = []
        wanted: dict[Any, _Slot] = {}
        counter = 0
        for index, (kind, length) in enumerate(zip(self._kinds, shape, strict=True)):
            if isinstance(kind, list):
                items = []
                for position in range(length):
                    mark = _placeholder(kind[0], counter)
                    wanted[mark] = (index, position, False)
                    items.append(mark)
                    counter += 1
                placeholders.append(items)
            else:
                mark = _placeholder(kind, counter)
                placeholders.append(mark)
                if kind == TIME:  # found among the parameters as the database takes it
                    mark = connection.ops.adapt_datetimefield_value(mark)
                wanted[mark] = (index, -1, kind == TIME)
                counter += 1
        queryset = self._build(*placeholders, *(variant.args if variant else ()))
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(
            wanted.get(p) if isinstance(p, str | int | datetime) else None for p in params
        )
        found = [slot for slot in slots if slot is not None]
        once = sorted(s for s in found if not s[2])
        if once != sorted(s for s in wanted.values() if not s[2]):
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

    def _compiled_for(
        self, using: str, vendor: str, shape: tuple[int, ...], variant: Variant | None
    ) -> _Compiled:
        key = (f"{using}:{vendor}", shape, variant.key if variant else "")
        if self._store is not None:
            return self._store(
                f"statement:{id(self)}:{key!r}", lambda: self._compile(using, shape, variant)
            )
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, shape, variant)
        return compiled

    def _run(
        self, values: Sequence[Any], using: str, variant: Variant | None = None
    ) -> tuple[_Compiled, list[Any]]:
        connection = connections[using]
        compiled = self._compiled_for(using, connection.vendor, self._shape(values), variant)
        params = []
        for slot, param in zip(compiled.slots, compiled.params, strict=True):
            if slot is None:
                params.append(param)
            elif slot[2]:
                params.append(connection.ops.adapt_datetimefield_value(values[slot[0]]))
            else:
                params.append(values[slot[0]] if slot[1] < 0 else values[slot[0]][slot[1]])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        return compiled, rows

    def rows(
        self, *values: Any, using: str = "default", variant: Variant | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows as tuples, converted (for ``values_list`` and ``values`` querysets)."""
        return [tuple(row) for row in self._run(values, using, variant)[1]]

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
