"""Compiled inserts and updates store what the ORM stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.db.models import Model
from django.db.models.sql import InsertQuery
from django.utils import timezone

from sportello.core.actor import Actor
from sportello.core.writes import Insert, Update
from sportello.queues.models import Queue
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def _orm_params(obj: Model) -> list[Any]:
    """The values Django's own insert compiler sends for ``obj``."""
    meta = obj._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.pk]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    return [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in fields]


def _row(model: type[Model], pk: int) -> dict[str, Any]:
    return {
        f.attname: getattr(model._default_manager.get(pk=pk), f.attname)
        for f in model._meta.concrete_fields
    }


def _article(ticket: Ticket, actor: Actor, number: int, **values: Any) -> Article:
    return Article(
        ticket=ticket,
        number=number,
        channel="email",
        sender_type="customer",
        subject=values.pop("subject", "Grüße 🙂"),
        body="Zeile 1\nZeile 2",
        created=timezone.now() - timedelta(minutes=number),
        created_by=actor.user,
        **values,
    )


def test_an_insert_prepares_the_values_as_the_orm_does(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    # Text, integers, booleans, NULLs, an aware datetime, a file name, foreign keys.
    article = _article(ticket, actor, 7, is_automatic=True, message_id="<a@b>")
    article.raw_source.name = "raw/2026/12/07/x.eml"
    expected = _orm_params(article)
    writes = Insert(Article)
    assert writes._columns.values(article, connection, add=True) == expected
    writes.save([article])
    assert article.pk is not None and article._state.adding is False
    stored = _row(Article, article.pk)
    twin = _article(ticket, actor, 8, is_automatic=True, message_id="<a@b>")
    twin.raw_source.name = "raw/2026/12/07/x.eml"
    twin.created = article.created
    twin.save()
    assert {**_row(Article, twin.pk), "id": None, "number": None} == {
        **stored,
        "id": None,
        "number": None,
    }


def test_several_rows_get_their_keys_in_order(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    rows = [
        History(
            ticket=ticket,
            type=HistoryType.ADD_NOTE,
            actor=actor.user,
            actor_name=actor.label,
            channel=actor.channel,
            new_value=f"row {n}",
            queue_id_at=ticket.queue_id,
            state_id_at=ticket.state_id,
        )
        for n in range(3)
    ]
    Insert(History).save(rows)
    assert [History.objects.get(pk=r.pk).new_value for r in rows] == ["row 0", "row 1", "row 2"]
    with pytest.raises(ValueError, match="stored already"):
        Insert(History).save(rows[:1])


def test_an_update_writes_only_the_named_columns(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor, title="Alt")
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket.title, ticket.customer_user_id = "Neu", "changed elsewhere"
    changed = timezone.now() + timedelta(hours=1)
    stale.changed = changed
    Update(Ticket).save(stale, ["changed"])
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.title, stored.changed) == ("Alt", changed)
    Update(Ticket).save(ticket, ["title"])
    assert Ticket.objects.get(pk=ticket.pk).title == "Neu"
    assert Ticket.objects.get(pk=ticket.pk).customer_user_id == stale.customer_user_id


def test_an_update_of_a_missing_row_fails(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    ghost = Ticket.objects.get(pk=ticket.pk)
    ghost.pk = ticket.pk + 10_000
    with pytest.raises(DatabaseError, match="0 rows updated"):
        Update(Ticket).save(ghost, ["title"])
    with pytest.raises(ValueError, match="not updatable"):
        Update(Ticket).save(ticket, ["id"])


@pytest.mark.parametrize("count", [1, 3, 250])
def test_the_bulk_form_stores_what_single_inserts_store(
    queue: Queue, actor: Actor, count: int, django_assert_max_num_queries: Any
) -> None:
    # Some columns the same in every row (sent once on PostgreSQL), others per row; on
    # SQLite more rows than one statement takes parameters for.
    tickets = [make_ticket(queue, actor), make_ticket(queue, actor)]
    when = timezone.now() - timedelta(days=1)

    def row(n: int) -> History:
        return History(
            ticket=tickets[n % 2],
            type=HistoryType.ESCALATION_START,
            actor=actor.user,
            actor_name=actor.label,
            channel=actor.channel,
            new_value=f"row {n}",
            comment="Grüße 🙂" if n % 3 else "",
            queue_id_at=queue.pk,
            state_id_at=None,
            created=when,
        )

    rows, twins = [row(n) for n in range(count)], [row(n) for n in range(count)]
    statements = -(-count * 12 // (connection.features.max_query_params or 10**9))
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else statements):
        Insert(History).save_many(rows)
    for twin in twins:
        twin.save()
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    for stored, twin in zip(rows, twins, strict=True):
        assert {**_row(History, stored.pk), "id": None} == {**_row(History, twin.pk), "id": None}
    with pytest.raises(ValueError, match="stored already"):
        Insert(History).save_many(rows[:1])


def test_models_with_save_receivers_are_refused(queue: Queue, actor: Actor) -> None:
    from django.db.models.signals import post_save, pre_save

    from sportello.queues.models import Queue as Watched  # mail.signals watches it

    with pytest.raises(TypeError, match="receivers"):
        Insert(Watched)
    with pytest.raises(TypeError, match="receivers"):
        Update(Watched)

    def receiver(**kwargs: Any) -> None:
        pass

    # A receiver connected after the statement was built: refused when it compiles.
    writes = Update(Ticket)
    pre_save.connect(receiver, sender=Ticket)
    try:
        with pytest.raises(TypeError, match="receivers"):
            writes.save(make_ticket(queue, actor), ["title"])
        with pytest.raises(TypeError, match="receivers"):
            Insert(Ticket)
    finally:
        pre_save.disconnect(receiver, sender=Ticket)
    assert not post_save.has_listeners(History)
    Insert(History)  # no receivers: accepted
