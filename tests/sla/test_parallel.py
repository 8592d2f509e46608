"""Job consumers at once never fire a threshold twice (committed data, real threads)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connections

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.notifications.models import Notification
from sportello.queues.models import Queue
from sportello.sla import jobs
from sportello.tickets import actions
from sportello.tickets.models import History, Lock, Ticket
from sportello.tickets.selectors import state_by_name
from tests.conftest import postgres_only
from tests.sla.conftest import berlin
from tests.tickets.factories import make_ticket

TICKETS = 15


def run_in_threads(function: Any, *args: Any, consumers: int = 3) -> list[Any]:
    barrier = threading.Barrier(consumers)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(function(*args))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_consumers_fire_each_threshold_once(
    wlan: Queue, subscriber: User, actor: Actor, clock: Any
) -> None:
    tickets = [make_ticket(wlan, Actor.system("mail")) for _ in range(TICKETS)]
    for ticket in tickets[:5]:
        actions.lock(ticket, actor=actor)
    for ticket in tickets[5:10]:
        actions.set_state(
            ticket,
            state_by_name("pending auto close+"),
            actor=actor,
            pending_until=berlin(2026, 3, 2, 9, 30),
        )
    Notification.objects.all().delete()
    now = berlin(2026, 3, 11, 9, 0)
    clock.move_to(now)
    counts = run_in_threads(jobs.sweep_escalations, now)
    # Five tickets are pending (clock stopped); ten escalate on all three clocks.
    assert sum(counts) == 10
    fired = Counter(
        History.objects.filter(type="EscalationStart").values_list("ticket_id", "new_value")
    )
    assert len(fired) == 10 * 3 and set(fired.values()) == {1}
    assert Counter(kinds := kinds_of(subscriber))["escalation"] == 10, kinds
    closed = run_in_threads(jobs.pending_auto_close, now)
    assert sum(closed) == 5
    assert Ticket.objects.filter(state__name="closed successful").count() == 5
    assert History.objects.filter(type="StateUpdate", new_value="closed successful").count() == 5
    unlocked = run_in_threads(jobs.auto_unlock, now)
    assert sum(unlocked) == 5
    assert Ticket.objects.filter(lock=Lock.LOCK).count() == 0
    assert History.objects.filter(type="Unlock", actor_name="unlock").count() == 5


def kinds_of(agent: User) -> list[str]:
    return list(Notification.objects.filter(agent=agent).values_list("type", flat=True))
