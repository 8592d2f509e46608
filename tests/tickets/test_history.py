"""History is append-only in the model and in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from sportello.core.actor import Actor
from sportello.core.db import allow_history_purge
from sportello.queues.models import Queue
from sportello.tickets.models import History, Ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(queue: Queue, actor: Actor) -> History:
    ticket = make_ticket(queue, actor)
    return ticket.history.first()  # type: ignore[return-value]


def test_model_refuses_update_and_delete(row: History) -> None:
    row.comment = "rewritten"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        History.objects.filter(pk=row.pk).update(comment="x")
    with pytest.raises(PermissionError):
        History.objects.filter(pk=row.pk).delete()
    row.refresh_from_db()
    assert row.comment != "rewritten"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tickets_history SET comment = 'forged' WHERE id = %s",
        "DELETE FROM tickets_history WHERE id = %s",
    ],
)
def test_database_refuses_update_and_delete(row: History, statement: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [row.pk])
    assert History.objects.filter(pk=row.pk, comment=row.comment).exists()


def test_purge_context_is_needed_even_for_sqlite_delete(row: History) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the purge function exists only on SQLite; PostgreSQL refuses always")
    with allow_history_purge(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_history WHERE id = %s", [row.pk])
        assert not History.objects.filter(pk=row.pk).exists()
        transaction.set_rollback(True)


def test_tickets_cannot_be_deleted(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    with pytest.raises(Exception, match="cannot be deleted"):
        ticket.delete()
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_history_row_text_is_rendered_in_the_active_language(queue: Queue, actor: Actor) -> None:
    from django.utils import translation

    ticket = make_ticket(queue, actor)
    row = ticket.history.get(type="NewTicket")
    with translation.override("en"):
        assert row.text.startswith(f"New ticket {ticket.number} created.")
