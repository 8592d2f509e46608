"""SQL statements per ingested message and per answer, pinned so they cannot creep back.

Counted with the subscribers that run after commit (notifications, auto-responses), once
the configuration cache is warm, as every message but a process's first finds it. Inside
the test's transaction Django writes savepoints where production writes BEGIN/COMMIT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail import forwarding
from sportello.mail.actions import send_answer
from sportello.mail.ingest import ingest_message
from sportello.mail.models import OutboxStatus
from sportello.mail.outbox import send_one
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

# Statements per message: one read of the configuration token, the duplicate check and
# the customer; ticket counter, ticket, its origin (the channel mix), article (+ one per
# attachment), its history row and the ticket's in one insert, the service-level due
# times stored in the same transaction when an event changed them (the first article
# starts the update clock: one UPDATE), the ticket queued for the search index, and the
# savepoint pair of the transaction.
# After commit, other areas' subscribers add theirs: the search index, drained at once in
# tests (the queue, articles, attachment names, savepoint pair, upsert, the queue row
# removed: 7).
OTHER_SUBSCRIBERS = 7
NEW_TICKET = 10 + OTHER_SUBSCRIBERS
# Token and duplicate check, the ticket by number, its locked row with the number of its
# last article, the article, the index queue, history, the ticket's change time with the
# due times the article moved (one UPDATE), savepoints, and one read by the subscribers.
FOLLOW_UP = 10 + OTHER_SUBSCRIBERS
# An answer on a ticket that is already the agent's: the locked ticket with what
# composing reads and the number of its last article (read once for the whole answer),
# the customer, the article (insert, index queue, history, change time and due times),
# the outbox entry, two savepoint pairs (production: BEGIN/COMMIT and one pair), and one
# read by the subscribers.
ANSWER = 12 + OTHER_SUBSCRIBERS
SEND = 3
# The events one message or answer may commit (one live notification each on PostgreSQL).
LIVE_KINDS = ("TicketCreated", "ArticleAdded", "StateChanged", "LockChanged", "OwnerChanged")


@pytest.fixture
def wlan(group: Group) -> Queue:
    address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN Support"
    )
    queue = ensure_queue("IT::Network::WLAN", group=group, system_address=address)
    address.queue = queue
    address.save()
    CustomerUser.objects.create(login="mmuster", email="Max@Example.org", first_name="Max")
    return queue


def statements(capture: Any, action: Callable[[], Any]) -> tuple[Any, list[str]]:
    """The statements of ``action`` without the live pages' notifications: on PostgreSQL
    each committed event adds one ``NOTIFY`` (``core.live``), checked here to be at most
    one per event and nothing else."""
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        result = action()
    sql = [q["sql"] for q in queries.captured_queries]
    notify = [q for q in sql if q.startswith("SELECT pg_notify(")]
    assert len(notify) <= len(LIVE_KINDS), notify
    if connection.vendor != "postgresql":
        assert not notify
    return result, [q for q in sql if q not in notify]


def test_a_new_ticket_from_mail(wlan: Queue, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ingest_message(mail(subject="warm the cache"))
    result, sql = statements(
        django_capture_on_commit_callbacks, lambda: ingest_message(mail(subject="Hilfe"))
    )
    assert result.result == "new"
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.queue == wlan and ticket.customer_user_id == "mmuster"
    assert len(sql) <= NEW_TICKET, "\n".join(sql)


def test_a_follow_up_by_ticket_number(wlan: Queue, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = ingest_message(mail())
    result, sql = statements(
        django_capture_on_commit_callbacks,
        lambda: ingest_message(mail(subject=f"Re: [Ticket#{first.ticket}] WLAN geht nicht")),
    )
    assert (result.result, result.ticket, result.article) == ("followup", first.ticket, 2)
    assert len(sql) <= FOLLOW_UP, "\n".join(sql)


def test_an_answer(
    wlan: Queue, agent: User, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    # The Huey task that sends it runs in the consumer, not in the agent's request (tests
    # run Huey immediately): counted on its own below.
    scheduled: list[int] = []
    monkeypatch.setattr("sportello.mail.outbox._schedule", scheduled.append)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = Ticket.objects.get(number=ingest_message(mail()).ticket)
        # The first answer takes the lock and opens the ticket: more rows, once.
        send_answer(ticket, actor=Actor(user=agent), text="Erster", to=["max@example.org"])
    article, sql = statements(
        django_capture_on_commit_callbacks,
        lambda: send_answer(
            ticket, actor=Actor(user=agent), text="Zweiter", to=["max@example.org"]
        ),
    )
    assert article.number == 3 and article.outbox.count() == 1
    assert len(sql) <= ANSWER, "\n".join(sql)
    sent, sql = statements(django_capture_on_commit_callbacks, lambda: send_one(scheduled[-1]))
    assert sent == OutboxStatus.SENT
    assert len(sql) <= SEND, "\n".join(sql)  # claim, read, mark sent


def test_an_answer_reads_its_ticket_row_once(
    wlan: Queue, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """The reply dialog's path on a new, unlocked ticket: the version check, the lock and
    the owner, the article, the state: all on the row ``editing`` read."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = Ticket.objects.get(number=ingest_message(mail()).ticket)
    actor = Actor(user=agent)
    with (
        CaptureQueriesContext(connection) as queries,
        actions.editing(ticket, actor=actor, changed=ticket.changed) as current,
    ):
        forwarding.answer(current, actor=actor, text="Hallo", to=["max@example.org"])
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "tickets_ticket"."id"')
        and f'WHERE "tickets_ticket"."id" = {ticket.pk}' in q["sql"]
    ]
    assert len(reads) == 1, "\n".join(reads)
    current = Ticket.objects.get(pk=ticket.pk)
    assert (current.is_locked, current.owner_id, current.state.name) == (True, agent.pk, "open")
    rows = list(current.history.order_by("id").values_list("type", flat=True))
    assert rows[-4:] == ["Lock", "OwnerUpdate", "SendAnswer", "StateUpdate"]
