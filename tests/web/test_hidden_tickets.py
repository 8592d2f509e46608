"""A ticket in a queue the agent may not read stays invisible on every side path: linked
objects, the customer's other tickets, link and merge targets, search and counts."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.services import ensure_queue
from sportello.search.services import Criteria, search_tickets
from sportello.tickets import actions
from sportello.tickets.models import StateType, Ticket, TicketLink
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(queue: object, actor: Actor) -> tuple[Ticket, Ticket]:
    group, _created = provisioning.add_group("secret")
    secret_queue = ensure_queue("Secret", group=group)
    system = Actor.system()
    mine = make_ticket(queue, actor, title="Visible one", customer_user_id="anna")
    secret = make_ticket(secret_queue, system, title="Hidden one", customer_user_id="anna")
    actions.link(mine, secret, actor=system)
    return mine, secret


def _dialog(client: Client, ticket: Ticket, name: str, data: dict[str, str]) -> int:
    ticket.refresh_from_db()
    payload = {"changed": ticket.changed.isoformat(), **data}
    return client.post(f"/ticket/{ticket.number}/action/{name}/", payload).status_code


def test_hidden_everywhere(client: Client, agent: User, tickets: tuple[Ticket, Ticket]) -> None:
    mine, secret = tickets
    client.force_login(agent)
    page = client.get(f"/ticket/{mine.number}/").content.decode()
    assert "Visible one" in page
    # Neither linked objects nor the customer's other tickets show it (the audit history
    # keeps its "Linked to <number>" row, the record of what happened to this ticket).
    assert f"/ticket/{secret.number}/" not in page and "Hidden one" not in page
    assert client.get(f"/ticket/{secret.number}/").status_code == 404
    links_before = TicketLink.objects.count()
    assert _dialog(client, mine, "link", {"number": secret.number, "type": "normal"}) == 404
    assert TicketLink.objects.count() == links_before
    assert _dialog(client, mine, "merge", {"number": secret.number, "body": ""}) == 404
    mine.refresh_from_db()
    assert mine.state.type != StateType.MERGED
    assert [t.number for t in search_tickets(agent, Criteria(fulltext="Hidden"))] == []
    assert [t.number for t in search_tickets(agent, Criteria())] == [mine.number]
    assert secret.number not in client.get("/").content.decode()


def test_granting_ro_reveals_it(
    client: Client, agent: User, tickets: tuple[Ticket, Ticket]
) -> None:
    mine, secret = tickets
    provisioning.grant(secret.queue.group, "ro", agent=agent)
    client.force_login(agent)
    page = client.get(f"/ticket/{mine.number}/").content.decode()
    assert f"/ticket/{secret.number}/" in page and "Hidden one" in page
    assert client.get(f"/ticket/{secret.number}/").status_code == 200
    # Reading is not merging: rw on both queues is needed.
    assert _dialog(client, mine, "merge", {"number": secret.number, "body": ""}) == 403
