"""The private parts of Django that ``core.statements`` and ``core.writes`` call, pinned:
names, parameters and the shapes they return. A Django upgrade that changes one fails
here, by name, instead of somewhere in a compiled read or write."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Field, ForeignKey, Model
from django.db.models.fields import DateField
from django.db.models.query import RelatedPopulator, get_related_populators
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler
from django.dispatch import Signal

from sportello.queues.models import Queue
from sportello.tickets.models import History, Ticket

pytestmark = pytest.mark.django_db


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        # core.statements
        (Query.get_compiler, ["self", "using", "connection", "elide_empty"]),
        (SQLCompiler.as_sql, ["self", "with_limits", "with_col_aliases"]),
        (SQLCompiler.get_converters, ["self", "expressions"]),
        (get_related_populators, ["klass_info", "select", "db"]),
        (RelatedPopulator.populate, ["self", "row", "from_obj"]),
        (Model.from_db.__func__, ["cls", "db", "field_names", "values"]),  # type: ignore[attr-defined]
        # core.writes
        (Field.pre_save, ["self", "model_instance", "add"]),
        (Field.get_db_prep_save, ["self", "value", "connection"]),
        (Field.db_type, ["self", "connection"]),
        (Field.has_db_default, ["self"]),
        (DateField.pre_save, ["self", "model_instance", "add"]),
        (Signal.has_listeners, ["self", "sender"]),
    ],
    ids=lambda value: getattr(value, "__qualname__", None) or "",
)
def test_signatures(function: Callable[..., Any], expected: list[str]) -> None:
    assert _parameters(function) == expected


def test_what_a_compiled_read_takes_from_the_compiler() -> None:
    queryset = Ticket.objects.select_related("queue").filter(pk=-1)
    compiler = queryset.query.get_compiler(using="default")
    sql, params = compiler.as_sql()
    assert isinstance(sql, str) and list(params) == [-1]
    # Per selected column a triple whose expression names its field.
    assert all(len(column) == 3 for column in compiler.select)
    first = compiler.select[0][0]
    assert first.target.attname == "id"
    info = compiler.klass_info
    assert info["model"] is Ticket and isinstance(info["select_fields"], list)
    assert [related["model"] for related in info["related_klass_infos"]] == [Queue]
    assert isinstance(compiler.annotation_col_map, dict)
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    for functions, expression in converters.values():
        assert all(callable(f) for f in functions) and expression is not None
    populators = get_related_populators(info, compiler.select, "default")
    assert all(isinstance(p, RelatedPopulator) for p in populators)


def test_what_a_compiled_write_takes_from_the_model_and_the_database() -> None:
    meta = History._meta
    assert [f.attname for f in meta.local_concrete_fields][:2] == ["id", "ticket_id"]
    assert meta.pk_fields == [meta.pk]
    assert meta.parents == {} and meta.order_with_respect_to is None
    ticket_field = meta.get_field("ticket")
    assert isinstance(ticket_field, ForeignKey) and ticket_field.target_field is Ticket._meta.pk
    assert all(hasattr(f, "generated") for f in meta.local_concrete_fields)
    created = meta.get_field("created")
    assert isinstance(created, DateField)
    assert (created.auto_now, created.auto_now_add) == (False, False)
    row = History()
    assert (row._state.adding, row._state.db) == (True, None)
    ops = connection.ops
    assert callable(ops.quote_name) and callable(ops.adapt_datetimefield_value)
    assert hasattr(connection.features, "max_query_params")
