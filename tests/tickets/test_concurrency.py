"""Two agents acting on the same ticket at the same moment: nothing is lost."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from tests.conftest import postgres_only
from tests.tickets.factories import make_ticket


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_second_of_two_simultaneous_submits_is_refused(
    initial_data: None, queue: Queue, agent: User, other_agent: User
) -> None:
    ticket = make_ticket(queue, Actor(user=agent))
    seen = Ticket.objects.get(pk=ticket.pk).changed  # both dialogs show this version
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def submit(user: User) -> None:
        try:
            barrier.wait()
            with actions.editing(ticket, actor=Actor(user=user), changed=seen) as current:
                actions.note(current, actor=Actor(user=user), body=f"by {user.username}")
                time.sleep(0.3)  # hold the row: the other submit must wait, not interleave
            outcome[user.username] = "ok"
        except Conflict as error:
            outcome[user.username] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(u,)) for u in (agent, other_agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcome.values()) == ["ok", "stale"]
    winner = next(name for name, result in outcome.items() if result == "ok")
    notes = list(ticket.articles.filter(number__gt=1).values_list("body", flat=True))
    assert notes == [f"by {winner}"]
    assert Ticket.objects.get(pk=ticket.pk).changed > seen
