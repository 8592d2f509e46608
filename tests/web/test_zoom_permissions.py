"""The zoom offers only what the permission module allows: an agent with ro sees the
ticket without the answer form and without action buttons that would be refused."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets.models import Ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(queue: Queue, actor: Actor) -> Ticket:
    return make_ticket(queue, actor, customer_user_id="max@example.org")


def zoom_as(client: Client, ticket: Ticket, *grants: str) -> str:
    agent = User.objects.create_user(f"a-{'-'.join(grants)}", password="pw-x-long-enough")
    for permission in grants:
        provisioning.grant(Group.objects.get(name="users"), permission, agent=agent)
    client.force_login(agent)
    response = client.get(f"/ticket/{ticket.number}/")
    assert response.status_code == 200
    return response.content.decode()


def has(page: str, ticket: Ticket, *paths: str) -> list[bool]:
    return [f'/ticket/{ticket.number}/{path}"' in page for path in paths]


ANSWER = "answer/"
NOTE = ("action/note/", "open/phone-outbound/", "open/phone-inbound/")
RW = ("open/close/", "open/pending/", "action/move/", "open/merge/", "action/customer/")
OWNER = ("do/lock/", "action/owner/")


def test_read_only_shows_no_answer_form_and_no_actions(client: Client, ticket: Ticket) -> None:
    page = zoom_as(client, ticket, "ro")
    assert has(page, ticket, ANSWER, *NOTE, *RW, *OWNER, "action/priority/") == [False] * 12
    assert 'id="answer"' not in page
    assert 'value="reply"' not in page and 'data-action="reply"' not in page
    # What ro allows stays: the history, watching, splitting into a queue of one's own.
    assert has(page, ticket, "history/", "do/watch/") == [True, True]
    assert 'value="split"' in page


def test_note_permission_offers_notes_and_calls_only(client: Client, ticket: Ticket) -> None:
    page = zoom_as(client, ticket, "ro", "note")
    assert has(page, ticket, *NOTE) == [True] * 3
    assert has(page, ticket, ANSWER, *RW, *OWNER) == [False] * 8
    assert 'value="reply"' not in page


def test_rw_offers_everything(client: Client, ticket: Ticket) -> None:
    page = zoom_as(client, ticket, "rw")
    assert has(page, ticket, ANSWER, *NOTE, *RW, *OWNER) == [True] * 11
    assert 'value="reply"' in page and 'data-action="reply"' in page
