"""Tickets in the situations the overviews list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import State, Ticket
from tests.tickets.factories import make_ticket


def state(name: str) -> State:
    return State.objects.get(name=name)


def ticket_in(queue: Queue, actor: Actor, title: str, **changes: Any) -> Ticket:
    """A ticket; ``state`` by name through the actions, other columns set directly
    (due and pending times in the past cannot be reached through the actions now)."""
    ticket = make_ticket(queue, actor, title=title)
    name = changes.pop("state", None)
    if name:
        until = timezone.now() + timedelta(days=1) if state(name).is_pending else None
        actions.set_state(ticket, state(name), actor=actor, pending_until=until)
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
    return Ticket.objects.get(pk=ticket.pk)


def scenario(agent: User, other: User, queue: Queue, actor: Actor) -> dict[str, Ticket]:
    """One ticket per list: each title names the list it belongs to."""
    past = timezone.now() - timedelta(hours=1)
    tickets = {
        "new": ticket_in(queue, actor, "t-new"),
        "open": ticket_in(queue, actor, "t-open", state="open"),
        "reminder": ticket_in(queue, actor, "t-reminder", state="pending reminder"),
        "future": ticket_in(queue, actor, "t-future", state="pending reminder"),
        "escalated": ticket_in(queue, actor, "t-escalated", state="open", solution_due=past),
        "closed": ticket_in(queue, actor, "t-closed", state="closed successful"),
        "locked": ticket_in(queue, actor, "t-locked", state="open"),
        "responsible": ticket_in(queue, actor, "t-responsible", state="open"),
        "watched": ticket_in(queue, actor, "t-watched", state="open"),
    }
    Ticket.objects.filter(pk=tickets["reminder"].pk).update(pending_until=past)
    actions.lock(tickets["locked"], actor=Actor(user=agent))
    actions.set_responsible(tickets["responsible"], agent, actor=actor)
    actions.watch(tickets["watched"], actor=Actor(user=agent))
    # Someone else's lock, responsibility and watch: not the agent's.
    actions.lock(tickets["open"], actor=Actor(user=other))
    actions.watch(tickets["new"], actor=Actor(user=other))
    return tickets


@pytest.fixture
def tickets(agent: User, other_agent: User, queue: Queue) -> dict[str, Ticket]:
    return scenario(agent, other_agent, queue, Actor(user=other_agent))


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client
