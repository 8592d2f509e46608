"""The ticket's side of a bounce, written by the actions layer: change time, one history
row naming the article, the event after commit, and the rw permission it needs."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.core.errors import PermissionDenied
from sportello.core.events import DomainEvent
from sportello.queues.models import Queue
from sportello.tickets import actions, events
from sportello.tickets.models import Ticket
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_a_bounce_is_recorded_once_with_its_event(
    queue: Queue,
    actor: Actor,
    other_agent: User,
    published: list[DomainEvent],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(queue, actor)
    article = ticket.articles.get()
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_bounce(
            ticket, article, actor=Actor(user=other_agent), to="zweite@example.net"
        )
    current = Ticket.objects.get(pk=ticket.pk)
    assert current.changed > ticket.changed and current.changed_by == other_agent
    (row,) = current.history.filter(type="Bounce")
    assert (row.article, row.new_value, row.actor) == (article, "zweite@example.net", other_agent)
    (event,) = [e for e in published if isinstance(e, events.TicketBounced)]
    assert (event.ticket_id, event.new, event.actor_id) == (
        ticket.pk,
        "zweite@example.net",
        other_agent.pk,
    )


def test_a_bounce_needs_rw(queue: Queue, actor: Actor) -> None:
    reader = User.objects.create_user("reader", email="reader@example.org")
    provisioning.grant(Group.objects.get(name="users"), "ro", agent=reader)
    ticket = make_ticket(queue, actor)
    with pytest.raises(PermissionDenied):
        actions.record_bounce(
            ticket, ticket.articles.get(), actor=Actor(user=reader), to="x@example.net"
        )
    assert not ticket.history.filter(type="Bounce").exists()
