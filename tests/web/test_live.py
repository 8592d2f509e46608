"""The live event stream: committed ticket changes reach the open streams of the agents
who may read the ticket, and nobody else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from sportello.accounts.models import User
from sportello.core import live
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.web.views import live as live_view


@pytest.fixture(autouse=True)
def _close_listen_connection() -> Iterator[None]:
    yield
    # An open LISTEN connection would keep the test database from being dropped.
    live.stop()


def _open(client: Client, user: User) -> tuple[Any, Iterator[bytes]]:
    client.force_login(user)
    response: Any = client.get("/events/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    stream: Iterator[bytes] = iter(response.streaming_content)
    assert next(stream) == b"retry: 2000\n\n"  # the listener is registered now
    return response, stream


def _stranger() -> User:
    return User.objects.create_user("nogrant", password="pw-nogrant-long")


def test_listeners_get_each_item_in_order() -> None:
    with live.listen() as first, live.listen() as second:
        live.deliver(live.LiveItem("TicketStateChanged", 1, None))
        live.deliver(live.LiveItem("ArticleAdded", 2, None))
        for listener in (first, second):
            got = [listener.get(timeout=1), listener.get(timeout=1)]
            assert [i.ticket_id for i in got if i] == [1, 2]
    # A closed listener receives nothing more.
    live.deliver(live.LiveItem("ArticleAdded", 3, None))
    assert first.get(timeout=0) is None


@pytest.mark.skipif(connection.vendor == "postgresql", reason="in-process path (SQLite)")
def test_stream_passes_only_readable_tickets(
    agent: User,
    queue: Queue,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(live_view, "STREAM_SECONDS", 0.5)
    monkeypatch.setattr(live_view, "HEARTBEAT_SECONDS", 0.5)
    _, reader = _open(Client(), agent)
    _, stranger = _open(Client(), _stranger())
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(
            title="WLAN down", queue=queue, actor=Actor(user=agent, channel="web")
        )
    seen = b"".join(reader).decode()
    assert f'"ticket": {ticket.pk}' in seen
    assert "event: ticket" in seen
    assert b"".join(stranger).decode() == ": ping\n\n"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="NOTIFY needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_postgres_notify_reaches_the_stream(
    agent: User, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_view, "STREAM_SECONDS", 2.0)
    monkeypatch.setattr(live_view, "HEARTBEAT_SECONDS", 2.0)
    reader_response, reader = _open(Client(), agent)
    stranger_response, stranger = _open(Client(), _stranger())
    ticket = actions.create_ticket(
        title="WLAN down", queue=queue, actor=Actor(user=agent, channel="web")
    )
    assert f'"ticket": {ticket.pk}' in next(reader).decode()
    assert "event: ticket" not in b"".join(stranger).decode()
    reader_response.close()
    stranger_response.close()
