"""Every queue select offers the queues the permission module allows for its action:
move targets need move_into, new and split tickets create, filters ro. One agent holds
different permissions on five groups."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Ticket
from sportello.web.forms.overviews import BulkForm
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

# Queue name -> the agent's permission on its group (None: no grant).
GRANTS = {"Work": "rw", "Read": "ro", "Target": "move_into", "Intake": "create", "Hidden": None}
RO = {"Work", "Read"}
MOVE_INTO = {"Work", "Target"}
CREATE = {"Work", "Intake"}


@pytest.fixture
def limited(db: None) -> User:
    agent = User.objects.create_user("limited", email="limited@example.org", password="pw-x-long")
    for name, permission in GRANTS.items():
        group = Group.objects.create(name=f"g-{name.lower()}")
        ensure_queue(name, group=group)
        ensure_queue(f"{name}::Retired", group=group, valid=False)
        if permission:
            provisioning.grant(group, permission, agent=agent)
    return agent


@pytest.fixture
def client_l(client: Client, limited: User) -> Client:
    client.force_login(limited)
    return client


@pytest.fixture
def ticket(limited: User) -> Ticket:
    return make_ticket(Queue.objects.get(full_name="Work"), Actor(user=limited))


def offered(html: str, name: str) -> set[str]:
    """The queues a page's select (or checkbox list) called ``name`` offers, by name."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    ids = re.findall(r'value="(\d+)"', match.group(1) if match else "")
    if match is None:  # checkboxes
        ids = re.findall(rf'name="{name}" value="(\d+)"', html)
    assert ids, f"no choices for {name}"
    return set(Queue.objects.filter(pk__in=ids).values_list("full_name", flat=True))


def test_move_dialog_offers_move_into_queues(client_l: Client, ticket: Ticket) -> None:
    page = client_l.get(f"/ticket/{ticket.number}/action/move/").content.decode()
    assert offered(page, "queue") == MOVE_INTO - {"Work"}


def test_split_dialog_offers_create_queues(client_l: Client, ticket: Ticket) -> None:
    page = client_l.get(f"/ticket/{ticket.number}/article/1/action/split/").content.decode()
    assert offered(page, "queue") == CREATE


def test_split_into_a_queue_without_create_is_refused(client_l: Client, ticket: Ticket) -> None:
    target = Queue.objects.get(full_name="Target")
    response = client_l.post(
        f"/ticket/{ticket.number}/article/1/action/split/",
        {"changed": ticket.changed.isoformat(), "title": "part", "queue": target.pk},
    )
    assert response.status_code == 400
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_new_tickets_offer_create_queues(client_l: Client, kind: str) -> None:
    page = client_l.get(f"/tickets/new/{kind}/").content.decode()
    assert offered(page, "queue") == CREATE


def test_bulk_move_offers_move_into_queues(limited: User) -> None:
    form = BulkForm(agent=limited)
    choices = form.fields["queue"].queryset  # type: ignore[attr-defined]
    assert set(choices.values_list("full_name", flat=True)) == MOVE_INTO


def test_search_filter_offers_readable_queues(client_l: Client) -> None:
    page = client_l.get("/search/", {"attrs": ["queues"]}).content.decode()
    # Queues no longer valid stay searchable: their tickets are still there.
    assert offered(page, "queues") == RO | {f"{name}::Retired" for name in RO}


def test_my_queues_offer_readable_queues(client_l: Client) -> None:
    page = client_l.get("/preferences/").content.decode()
    assert offered(page, "my_queues") == RO


def test_dashboard_filter_offers_readable_queues(client_l: Client) -> None:
    page = client_l.get("/dashboard/tickets/settings/").content.decode()
    assert offered(page, "queues") == RO
