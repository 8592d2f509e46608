"""Ticket tallies stay equal to a count of the tickets through every kind of change."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import actions, bulk, overviews, tallies
from sportello.tickets.models import Priority, State, StateType, Ticket, TicketTally, TicketType
from tests.conftest import postgres_only
from tests.queries import statements
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

KEY = ["queue_id", "state_id", "lock", "priority_id", "type_id"]


def actual() -> dict[tuple[object, ...], int]:
    rows = Ticket.objects.order_by().values(*KEY).annotate(c=Count("pk"))
    return {tuple(r[k] for k in KEY): r["c"] for r in rows}


def tallied() -> dict[tuple[object, ...], int]:
    return {
        tuple(r[k] for k in KEY): r["n"]
        for r in TicketTally.objects.values(*KEY, "n")
        if r["n"] != 0
    }


def test_random_changes_keep_the_tallies_exact(
    queue: Queue, agent: User, other_agent: User, group: object
) -> None:
    second = ensure_queue("IT::Printing", group=group)  # type: ignore[arg-type]
    queues = [queue, second]
    actor, other = Actor(user=agent), Actor(user=other_agent)
    states = list(
        State.objects.filter(valid=True).exclude(type__in=[StateType.MERGED, StateType.REMOVED])
    )
    priorities = list(Priority.objects.filter(valid=True))
    types = list(TicketType.objects.filter(valid=True)) or list(TicketType.objects.all())
    rng = random.Random(7)
    tickets: list[Ticket] = []
    later = timezone.now() + timedelta(days=2)
    for step in range(150):
        choice = rng.choice(
            [
                "create",
                "create",
                "move",
                "state",
                "lock",
                "unlock",
                "priority",
                "type",
                "merge",
                "bulk",
                "sql",
            ]
        )
        ticket = (
            Ticket.objects.get(pk=rng.choice(tickets).pk)
            if tickets and choice != "create"
            else None
        )
        try:
            if choice == "create" or ticket is None:
                tickets.append(
                    make_ticket(
                        rng.choice(queues),
                        actor,
                        title=f"t{step}",
                        lock=rng.random() < 0.3,
                        priority=rng.choice(priorities),
                    )
                )
            elif choice == "move":
                actions.move(ticket, rng.choice(queues), actor=actor)
            elif choice == "state":
                state = rng.choice(states)
                until = later if state.is_pending else None
                actions.set_state(ticket, state, actor=actor, pending_until=until)
            elif choice == "lock":
                actions.lock(ticket, actor=rng.choice([actor, other]))
            elif choice == "unlock":
                actions.unlock(ticket, actor=actor)
            elif choice == "priority":
                actions.set_priority(ticket, rng.choice(priorities), actor=actor)
            elif choice == "type":
                actions.set_type(ticket, rng.choice(types), actor=actor)
            elif choice == "merge":
                target = rng.choice(tickets)
                actions.merge(ticket, target, actor=actor)
            elif choice == "bulk":
                chosen = [t.pk for t in rng.sample(tickets, min(3, len(tickets)))]
                if rng.random() < 0.5:
                    bulk.apply(actor, chosen, "move", queue=rng.choice(queues))
                else:
                    state = rng.choice([s for s in states if not s.is_pending])
                    bulk.apply(actor, chosen, "state", state=state)
            elif choice == "sql":
                # Changes outside the actions (an administrator's UPDATE) count too.
                Ticket.objects.filter(pk=ticket.pk).update(
                    state=rng.choice(states), queue=rng.choice(queues)
                )
        except DomainError:
            pass  # refused changes (merging a merged ticket, locking a locked one)
        if step % 25 == 0:
            assert tallied() == actual()
    assert tallied() == actual()
    assert tallies.check() == []
    # Bulk inserts and deletes outside the actions (a data load, a cleanup) count too.
    loaded = []
    for n, ticket in enumerate(Ticket.objects.filter(pk__in=[t.pk for t in tickets[:6]])):
        ticket.pk, ticket.number = None, f"bulk-{n}"
        loaded.append(ticket)
    Ticket.objects.bulk_create(loaded)
    assert tallied() == actual()
    Ticket.objects.filter(number__startswith="bulk-").delete()
    assert tallied() == actual()


def test_counts_come_from_tallies_and_follow_permissions(
    queue: Queue, agent: User, other_agent: User
) -> None:
    actor = Actor(user=agent)
    secret_group, _ = provisioning.add_group("secret")
    secret = ensure_queue("Secret", group=secret_group)
    make_ticket(queue, actor, title="mine")
    make_ticket(queue, actor, title="mine locked", lock=True)
    make_ticket(secret, Actor.system(), title="hidden")
    counts = overviews.count_lists(agent, ["all", "new", "available"])
    assert counts == {"all": 2, "new": 2, "available": 1}
    assert overviews.queue_state_counts(agent) == {queue.pk: {State.objects.get(name="new").pk: 2}}
    # Counting the tallied lists never reads the ticket table.
    with CaptureQueriesContext(connection) as captured:
        overviews.count_lists(agent, sorted(overviews.TALLIED))
        overviews.count_lists_by_type(agent, list(overviews.OPEN_TYPES))
        overviews.queue_state_counts(agent)
    sql = statements(captured)
    assert len(sql) == 3
    assert all('"tickets_ticket"' not in s and "tickets_tickettally" in s for s in sql)
    agent.my_queues.set([queue, secret])
    assert overviews.queue_view_counts(agent, None) == {"all": 2, "available": 1}
    assert overviews.queue_view_counts(agent, secret.pk) == {"all": 0, "available": 0}


def test_check_finds_and_repairs_differences(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    TicketTally.objects.filter(queue=queue).update(n=5)
    TicketTally.objects.create(
        queue=queue,
        state=State.objects.get(name="open"),
        lock="unlock",
        priority=ticket.priority,
        type=ticket.type,
        n=0,
    )
    out = StringIO()
    call_command("tally", stdout=out)
    assert "1 difference" in out.getvalue()
    assert len(tallies.check()) == 1
    call_command("tally", "--repair", stdout=out)
    assert tallies.check() == []
    assert tallied() == actual()
    # Rows of zero are dropped on repair.
    assert not TicketTally.objects.filter(n=0).exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_changes_keep_the_tallies_exact(
    initial_data: None, queue: Queue, agent: User, other_agent: User, group: object
) -> None:
    """Two agents create tickets in the same queue and move tickets in opposite
    directions at the same time: no lost update, no deadlock on the tally rows."""
    second = ensure_queue("IT::Printing", group=group)  # type: ignore[arg-type]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(user: User, start: Queue, target: Queue) -> None:
        actor = Actor(user=user)
        try:
            barrier.wait()
            for n in range(15):
                ticket = make_ticket(start, actor, title=f"{user.username} {n}")
                actions.move(ticket, target, actor=actor)
                actions.move(ticket, start, actor=actor)
                actions.move(ticket, target, actor=actor)
        except BaseException as error:  # reported below: a thread cannot fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(agent, queue, second)),
        threading.Thread(target=work, args=(other_agent, second, queue)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert tallied() == actual()
    assert sum(tallied().values()) == 30
