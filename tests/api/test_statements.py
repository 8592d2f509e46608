"""SQL statements per API request on the hot paths, pinned so they cannot creep back: a
ticket with articles, attachments, a link and a dynamic field; a new ticket; a page of
full-text search results. Counted once the configuration cache is warm, as every request
but a process's first finds it (its check against the database, at most once a second,
is held off here so the counts do not depend on the clock). Inside the test's
transaction Django writes savepoints where production writes BEGIN/COMMIT; the
subscribers of committed events are not counted (they run after the answer)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import User
from sportello.core import cache
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import (
    Channel,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldType,
    SenderType,
    Ticket,
)
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

# The token, the ticket row, its agents, the agent's grants, the attachments, the
# articles, the dynamic field values, the accounted time and the links (the linked
# tickets and their agents when there are links): whatever the number of articles and
# attachments.
GET = 11
# The token and grants; the counter, ticket, origin, article, due times, index queue,
# history and the savepoint pair of the action; then the new ticket read as GET reads it
# (no dynamic fields are defined here, so their values are not read).
CREATE = 11 + 6
# The token, the grants, the newest ticket id, the page, the agents of its tickets.
SEARCH = 5


def _statements(monkeypatch: Any, call: Callable[[], Any]) -> tuple[Any, list[str]]:
    """The statements of ``call`` with the configuration cache warm and left unchecked,
    less the live pages' notifications (PostgreSQL ``NOTIFY``, one per event)."""
    cache.refresh()
    monkeypatch.setattr(cache, "_checked_at", math.inf)  # the next check is not due
    with CaptureQueriesContext(connection) as queries:
        result = call()
    sql = [q["sql"] for q in queries.captured_queries]
    return result, [q for q in sql if not q.startswith("SELECT pg_notify(")]


def _ticket(agent: User, queue: Queue, title: str, articles: int) -> Ticket:
    actor = Actor(user=agent, channel="web")

    def article(n: int) -> ArticleInput:
        return ArticleInput(
            channel=Channel.EMAIL,
            sender_type=SenderType.CUSTOMER,
            from_address="max@example.org",
            subject=f"VPN {n}",
            body=f"Der VPN-Zugang bricht ab ({n}).",
            attachments=[AttachmentInput(f"log-{n}.txt", "text/plain", b"line\n")],
        )

    ticket = actions.create_ticket(
        title=title, queue=queue, actor=actor, customer_user_id="max", article=article(1)
    )
    for n in range(2, articles + 1):
        actions.add_article(ticket, article(n), actor=actor)
    return ticket


@pytest.fixture
def read_ticket(agent: User, queue: Queue) -> Ticket:
    DynamicField.objects.create(
        name="Contract",
        object_type=DynamicFieldObject.TICKET,
        field_type=DynamicFieldType.TEXT,
        labels={"en": "Contract"},
    )
    ticket = _ticket(agent, queue, "VPN down", articles=6)
    other = _ticket(agent, queue, "VPN down too", articles=1)
    actions.link(ticket, other, actor=Actor(user=agent, channel="web"))
    return ticket


def test_get_ticket(api: ApiClient, read_ticket: Ticket, monkeypatch: Any) -> None:
    assert api.get(f"/tickets/{read_ticket.number}").status_code == 200  # warm
    response, sql = _statements(monkeypatch, lambda: api.get(f"/tickets/{read_ticket.number}"))
    data = response.json()
    assert len(data["articles"]) == 6 and len(data["articles"][5]["attachments"]) == 1
    assert [link["title"] for link in data["links"]] == ["VPN down too"]
    assert data["dynamic_fields"] == {"Contract": None}
    assert len(sql) <= GET, "\n".join(sql)


def test_create_ticket(api: ApiClient, queue: Queue, monkeypatch: Any) -> None:
    def create(title: str) -> Any:
        body = {
            "title": title,
            "queue": queue.full_name,
            "customer_user": "max@example.org",
            "article": {"kind": "phone", "inbound": True, "body": "Disk /var is 95 % full."},
        }
        return api.post("/tickets", body)

    assert create("warm").status_code == 201
    response, sql = _statements(monkeypatch, lambda: create("Disk full"))
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Disk full"
    assert len(sql) <= CREATE, "\n".join(sql)


def test_fulltext_search(
    api: ApiClient,
    agent: User,
    queue: Queue,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # indexed after commit
        for n in range(3):
            _ticket(agent, queue, f"VPN {n}", articles=1)
    assert api.get("/tickets?fulltext=VPN&limit=2").status_code == 200  # warm
    response, sql = _statements(monkeypatch, lambda: api.get("/tickets?fulltext=VPN&limit=2"))
    data = response.json()
    assert [t["title"] for t in data["tickets"]] == ["VPN 2", "VPN 1"]
    assert data["next_cursor"]
    assert len(sql) <= SEARCH, "\n".join(sql)
