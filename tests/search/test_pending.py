"""The index queue: marked in the article's transaction, drained after commit or by the
minute job, never losing a mark that came in while a drain was indexing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from sportello.accounts.models import User
from sportello.core import handoff, scheduler
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.search import index, pending
from sportello.search.models import PendingIndex
from sportello.search.services import Criteria, search_tickets
from sportello.tickets import actions
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def numbers(agent: User, text: str) -> list[str]:
    return [t.number for t in search_tickets(agent, Criteria(fulltext=text))]


@pytest.fixture
def no_wake(monkeypatch: Any) -> None:
    monkeypatch.setattr(handoff, "after_commit", False)


def test_the_article_and_its_index_mark_commit_or_roll_back_together(
    queue: Queue, actor: Actor
) -> None:
    with transaction.atomic():
        ticket = make_ticket(queue, actor, article=customer_mail(body="Beamer"))
        assert PendingIndex.objects.filter(ticket=ticket).exists()
    assert PendingIndex.objects.filter(ticket=ticket).exists()  # no after-commit run here
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_article(ticket, customer_mail(body="Kabel"), actor=actor)
        raise RuntimeError("the rest of the transaction fails")
    assert PendingIndex.objects.get(ticket=ticket).version == 1  # the failed mark is gone


def test_the_minute_job_indexes_what_no_task_did(
    agent: User, queue: Queue, actor: Actor, no_wake: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(queue, actor, article=customer_mail(body="Mensa Karte gesperrt"))
    assert numbers(agent, "mensa") == []
    assert scheduler.run(names=["search-index"], force=True) == {"search-index": 1}
    assert numbers(agent, "mensa") == [ticket.number]
    assert not PendingIndex.objects.exists()
    assert scheduler.run(names=["search-index"], force=True) == {"search-index": 0}


def test_a_mark_during_indexing_keeps_the_ticket_queued(
    agent: User, queue: Queue, actor: Actor, no_wake: None, monkeypatch: Any
) -> None:
    ticket = make_ticket(queue, actor, article=customer_mail(body="Drucker"))
    real = index.index_tickets
    calls: list[list[int]] = []

    def index_while_an_article_arrives(ids: list[int]) -> int:
        calls.append(list(ids))
        written = real(ids)
        if len(calls) == 1:  # the new article commits after the drain read the articles
            pending.mark(ticket.pk)
        return written

    monkeypatch.setattr(pending, "index_tickets", index_while_an_article_arrives)
    assert pending.drain() == 1
    assert PendingIndex.objects.get(ticket=ticket).version == 2  # still queued
    assert pending.drain() == 1
    assert calls == [[ticket.pk], [ticket.pk]]
    assert not PendingIndex.objects.exists()


def test_after_commit_a_task_drains_at_once(
    agent: User, queue: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(queue, actor, article=customer_mail(body="Schlüssel verloren"))
    assert numbers(agent, "schlüssel") == [ticket.number]
    assert not PendingIndex.objects.exists()


def test_a_merge_reindexes_both_tickets(
    agent: User, queue: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        source = make_ticket(queue, actor, article=customer_mail(body="Tastatur defekt"))
        target = make_ticket(queue, actor, article=customer_mail(body="Maus defekt"))
        actions.merge(source, target, actor=actor)
    assert numbers(agent, "tastatur") == [target.number]


def test_a_stream_of_articles_wakes_the_drain_twice_per_window(
    settings: Any, monkeypatch: Any
) -> None:
    from sportello.search import tasks

    settings.SPORTELLO_INDEX_WAKE_SECONDS = 1.0
    now = [1000.0]
    calls: list[float | None] = []
    monkeypatch.setattr(pending.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(pending, "_last_wake", -float("inf"))
    monkeypatch.setattr(pending, "_delayed_until", -float("inf"))
    monkeypatch.setattr(tasks.drain_pending, "call_local", lambda: None)

    class Task:
        def __call__(self) -> None:
            calls.append(None)

        def schedule(self, *, delay: float) -> None:
            calls.append(delay)

    monkeypatch.setattr(tasks, "drain_pending", Task())
    for step in (0.0, 0.1, 0.3, 0.9):  # one window: at once, then one delayed drain
        now[0] = 1000.0 + step
        pending.wake()
    assert calls == [None, pytest.approx(0.9)]
    now[0] = 1001.2  # the next window starts with a drain at once
    pending.wake()
    assert calls[-1] is None and len(calls) == 3
