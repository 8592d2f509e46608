"""Compiled statements return what their querysets return, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.test.utils import CaptureQueriesContext

from sportello.core.actor import Actor
from sportello.core.statements import INTEGER, TEXT, TIME, Statement, Variant
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import Article, Ticket
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def _tickets(pk: Any) -> QuerySet[Ticket]:
    return (
        Ticket.objects.select_related("queue", "state", "owner")
        .annotate(
            articles_count=Count("articles"),
            last_subject=Subquery(
                Article.objects.filter(ticket=OuterRef("pk"))
                .order_by("-number")
                .values("subject")[:1]
            ),
        )
        .filter(pk=pk)
    )


def test_objects_equal_the_querysets_with_related_objects_and_annotations(
    queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    actions.add_article(ticket, customer_mail(subject="Noch da?"), actor=actor)
    statement = Statement(_tickets, INTEGER)
    expected = _tickets(ticket.pk).get()
    with CaptureQueriesContext(connection) as queries:
        found = statement.first(ticket.pk)
        assert found is not None
        # The related objects came with the row: no further query.
        names = (found.queue.full_name, found.state.name, found.owner.username)
    assert len(queries) == 1
    assert names == (expected.queue.full_name, expected.state.name, expected.owner.username)
    for field in Ticket._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    # Aware datetimes on both databases: the converters ran.
    assert found.created.tzinfo is not None and found.created == expected.created
    assert (found.articles_count, found.last_subject) == (2, "Noch da?")
    assert found._state.adding is False and found._state.db == "default"
    assert statement.first(ticket.pk + 1000) is None


def test_rows_convert_like_values_list(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    statement = Statement(
        lambda number: Ticket.objects.filter(number=number).values_list(
            "number", "created", "archived", "queue__full_name"
        ),
        TEXT,
    )
    expected = list(
        Ticket.objects.filter(number=ticket.number).values_list(
            "number", "created", "archived", "queue__full_name"
        )
    )
    assert statement.rows(ticket.number) == expected
    assert statement.rows(ticket.number)[0][2] is False  # a boolean, also on SQLite
    assert statement.rows("0000") == []


def test_lists_are_compiled_per_length(queue: Queue, actor: Actor) -> None:
    tickets = [make_ticket(queue, actor, title=f"T{n}") for n in range(3)]
    built: list[int] = []

    def build(numbers: list[str]) -> QuerySet[Ticket]:
        built.append(len(numbers))
        return Ticket.objects.filter(number__in=numbers).order_by("id").values_list("title")

    statement = Statement(build, [TEXT])
    assert statement.rows([tickets[0].number]) == [("T0",)]
    assert statement.rows([tickets[2].number, tickets[1].number]) == [("T1",), ("T2",)]
    assert statement.rows([tickets[1].number]) == [("T1",)]
    assert statement.rows([t.number for t in tickets]) == [("T0",), ("T1",), ("T2",)]
    assert built == [1, 2, 3]  # built once per length, then reused


def test_a_locking_read_runs_in_the_actions_transaction(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    statement = Statement(
        lambda pk: (
            Ticket.objects.select_for_update(of=("self",)).select_related("queue").filter(pk=pk)
        ),
        INTEGER,
    )
    with transaction.atomic():
        locked = statement.first(ticket.pk)
    assert locked is not None and locked.queue == queue
    if connection.vendor == "postgresql":
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            statement.first(ticket.pk)
        assert any("FOR UPDATE OF" in q["sql"] for q in queries.captured_queries)


def test_placeholders_must_reach_the_parameters_once(db: None) -> None:
    ignoring = Statement(lambda number: Ticket.objects.filter(number="1"), TEXT)
    with pytest.raises(ValueError, match="exactly once"):
        ignoring.rows("2")
    twice = Statement(
        lambda n: Ticket.objects.filter(number=n) | Ticket.objects.filter(title=n), TEXT
    )
    with pytest.raises(ValueError, match="exactly once"):
        twice.rows("2")
    with pytest.raises(TypeError, match="1 values expected, 2 given"):
        Statement(lambda n: Ticket.objects.filter(number=n), TEXT).rows("1", "2")


def test_a_time_is_replaced_wherever_it_occurs(queue: Queue, actor: Actor) -> None:
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    ticket = make_ticket(queue, actor)
    created = Ticket.objects.get(pk=ticket.pk).created

    def build(now: Any) -> QuerySet[Any]:
        # The time twice: both occurrences take the run's value.
        return Ticket.objects.filter(Q(created__lte=now) & Q(changed__lte=now)).values_list("pk")

    statement = Statement(build, TIME)
    assert statement.rows(created - timedelta(seconds=1)) == []
    assert statement.rows(timezone.now() + timedelta(minutes=1)) == [(ticket.pk,)]
    # A statement without the time (its conditions dropped) runs as it is.
    none = Statement(lambda now: Ticket.objects.filter(pk=-5).values_list("pk"), TIME)
    assert none.rows(timezone.now()) == []


def test_variants_are_compiled_apart_and_kept_in_the_store(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor, title="Drucker")
    built: list[str] = []
    kept: dict[str, Any] = {}

    def store(key: str, compile: Any) -> Any:
        if key not in kept:
            kept[key] = compile()
        return kept[key]

    def build(pk: Any, column: str) -> QuerySet[Any]:
        built.append(column)
        return Ticket.objects.filter(pk=pk).values_list(column)

    statement = Statement(build, INTEGER, store=store)
    title, number = Variant("title", ("title",)), Variant("number", ("number",))
    assert statement.rows(ticket.pk, variant=title) == [("Drucker",)]
    assert statement.rows(ticket.pk, variant=number) == [(ticket.number,)]
    assert statement.rows(ticket.pk, variant=title) == [("Drucker",)]
    assert built == ["title", "number"] and len(kept) == 2
    kept.clear()  # the store forgets (a configuration change): built again
    statement.rows(ticket.pk, variant=title)
    assert built == ["title", "number", "title"]
