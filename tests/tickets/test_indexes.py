"""The ticket table carries no index that another index already serves: every index is
written on each ticket insert and on each update."""

from __future__ import annotations

import pytest
from django.db import connection

from sportello.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: tuple(info["columns"])
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"] and not info["unique"]
    }


def test_no_ticket_index_is_the_prefix_of_another() -> None:
    indexes = _indexes(Ticket._meta.db_table)
    redundant = [
        (name, columns, other)
        for name, columns in indexes.items()
        for other, other_columns in indexes.items()
        if other != name
        and other_columns[: len(columns)] == columns
        # A partial index serves only its condition; the text pattern index (LIKE
        # 'prefix%' on the number, PostgreSQL) is of another operator class.
        and not name.endswith("_like")
        and not other.endswith("_like")
        and name not in ("ticket_escalation_next", "ticket_unlock_due")
    ]
    assert redundant == []


def test_the_foreign_keys_without_their_own_index_lead_a_composite_one() -> None:
    indexes = _indexes(Ticket._meta.db_table).values()
    for column in ("queue_id", "state_id", "owner_id", "responsible_id"):
        assert (column,) not in indexes
        assert any(columns[0] == column for columns in indexes), column
