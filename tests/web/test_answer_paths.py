"""The zoom's answer form and the reply dialog are one answer path: both refuse a stale
form and a ticket locked to another agent, take the lock, and answer a master ticket's
slaves. Delivered to a real SMTP sink."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.mail.models import OutboxMessage
from sportello.queues.models import Queue, SystemAddress
from sportello.tickets import actions
from sportello.tickets.models import Lock, Ticket
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import make_ticket
from tests.web.test_actions import version

pytestmark = pytest.mark.django_db

PATHS = ["zoom-answer-form", "reply-dialog"]


def url(path: str, ticket: Ticket) -> str:
    if path == "zoom-answer-form":
        return f"/ticket/{ticket.number}/answer/"
    return f"/ticket/{ticket.number}/article/1/action/reply/"


@pytest.fixture
def master(queue: Queue, actor: Actor) -> Ticket:
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    return make_ticket(queue, actor, customer_user_id="a@example.org")


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.mark.parametrize("path", PATHS)
def test_the_answer_reaches_the_slaves_and_takes_the_lock(
    path: str,
    logged_in: Client,
    master: Ticket,
    queue: Queue,
    actor: Actor,
    agent: User,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    slave = make_ticket(queue, actor, customer_user_id="b@example.org")
    actions.set_master(master, actor=actor)
    actions.set_slave(slave, master, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            url(path, master),
            {"changed": version(master), "to": "a@example.org", "text": "Störung behoben."},
        )
    assert response.status_code == 302, response.content.decode()
    bodies = {
        r.recipients[0]: r.message.get_content().replace("\r\n", "\n") for r in smtp_sink.received
    }
    assert set(bodies) == {"a@example.org", "b@example.org"}
    assert all("Störung behoben." in body for body in bodies.values())
    current = Ticket.objects.get(pk=master.pk)
    assert (current.lock, current.owner_id) == (Lock.LOCK, agent.pk)
    assert current.history.filter(type="SendAnswer").count() == 1
    assert current.history.filter(type="Lock").count() == 1
    assert slave.history.filter(type="SendAnswer").count() == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_stale_form_is_refused_with_the_input_kept(
    path: str, logged_in: Client, master: Ticket, other_agent: User
) -> None:
    seen = version(master)
    actions.set_priority(
        master, master.priority.__class__.objects.exclude(pk=master.priority_id).first(),  # type: ignore[arg-type]
        actor=Actor(user=other_agent),
    )  # fmt: skip
    response = logged_in.post(
        url(path, master), {"changed": seen, "to": "a@example.org", "text": "Mein Text"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "while you were working on it" in page and "Mein Text" in page
    assert f'value="{version(master)}"' in page  # the next submit is a deliberate one
    assert master.articles.count() == 1 and not OutboxMessage.objects.exists()


@pytest.mark.parametrize("path", PATHS)
def test_a_ticket_locked_to_another_agent_is_refused(
    path: str, logged_in: Client, master: Ticket, other_agent: User
) -> None:
    actions.lock(master, actor=Actor(user=other_agent))
    response = logged_in.post(
        url(path, master), {"changed": version(master), "to": "a@example.org", "text": "x"}
    )
    assert response.status_code == 409
    assert "locked by" in response.content.decode()
    assert master.articles.count() == 1 and not OutboxMessage.objects.exists()
    assert Ticket.objects.get(pk=master.pk).owner_id == other_agent.pk
