"""A small board of tickets that differ in every searchable attribute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.search.index import index_tickets
from sportello.tickets import actions
from sportello.tickets.models import Priority, State, Ticket, TicketType
from tests.tickets.factories import customer_mail, make_ticket


@dataclass
class Board:
    support: Queue
    printing: Queue
    wlan: Queue
    alpha: Ticket  # Support, new, 40 days old, customer alice / ACME
    beta: Ticket  # Support::Printing, open, very high, Incident, locked by agent2
    gamma: Ticket  # IT::Network::WLAN, closed successful
    delta: Ticket  # Support, pending reminder in two days, Problem

    def all(self) -> list[Ticket]:
        return [self.alpha, self.beta, self.gamma, self.delta]


def build_board(group: Group, wlan: Queue, agent: User, other: User) -> Board:
    actor = Actor(user=agent, channel="web")
    other_actor = Actor(user=other, channel="web")
    support = ensure_queue("Support", group=group)
    printing = ensure_queue("Support::Printing", group=group)
    alpha = make_ticket(
        support,
        actor,
        title="Alpha printer jam",
        customer_user_id="alice@example.org",
        customer_company_id="ACME",
        article=customer_mail(subject="Alpha", body="Paper jam in the alpha printer"),
    )
    beta = make_ticket(
        printing,
        actor,
        title="Beta toner empty",
        state=State.objects.get(name="open"),
        priority=Priority.objects.get(name="5 very high"),
        type=TicketType.objects.get(name="Incident"),
        responsible=agent,
        customer_user_id="bob",
        customer_company_id="Globex",
        article=customer_mail(subject="Beta", body="Toner cartridge is empty"),
    )
    beta = actions.lock(beta, actor=other_actor)
    gamma = make_ticket(
        wlan,
        actor,
        title="Gamma wifi",
        customer_user_id="carol@example.org",
        customer_company_id="ACME",
        article=customer_mail(subject="Gamma", body="=cmd|' /C calc'!A0 wifi drops"),
    )
    gamma = actions.set_state(gamma, State.objects.get(name="closed successful"), actor=actor)
    delta = make_ticket(
        support,
        actor,
        title="Delta reminder",
        state=State.objects.get(name="pending reminder"),
        pending_until=timezone.now() + timedelta(days=2),
        type=TicketType.objects.get(name="Problem"),
        article=customer_mail(subject="Delta", body="Call back on Friday"),
    )
    old = timezone.now() - timedelta(days=40)
    Ticket.objects.filter(pk=alpha.pk).update(created=old, changed=old)
    board = Board(support, printing, wlan, alpha, beta, gamma, delta)
    index_tickets([t.pk for t in board.all()])
    for ticket in board.all():
        ticket.refresh_from_db()
    return board
