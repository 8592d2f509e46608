"""``search_tickets`` attribute by attribute (the views are tested on top of it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.search.services import (
    Archive,
    Criteria,
    TimeRange,
    search_page,
    search_tickets,
    wildcard_q,
)
from sportello.tickets.models import Priority, State, StateType, Ticket, TicketType
from tests.search.board import Board

pytestmark = pytest.mark.django_db


def titles(agent: User, criteria: Criteria) -> list[str]:
    return sorted(t.title.split()[0] for t in search_tickets(agent, criteria))


def test_every_attribute(board: Board, agent: User, other_agent: User) -> None:
    now = timezone.now()
    cases: list[tuple[Criteria, list[str]]] = [
        (Criteria(), ["Alpha", "Beta", "Delta", "Gamma"]),
        (Criteria(number=board.beta.number), ["Beta"]),
        (Criteria(number=board.beta.number[:8] + "*"), ["Alpha", "Beta", "Delta", "Gamma"]),
        (Criteria(number="*" + board.gamma.number[-6:]), ["Gamma"]),
        (Criteria(number="nope*"), []),
        (Criteria(title="toner"), ["Beta"]),
        (Criteria(title="*printer*"), ["Alpha"]),
        (Criteria(title="Al*jam"), ["Alpha"]),
        (Criteria(fulltext="cartridge OR wifi"), ["Beta", "Gamma"]),
        (Criteria(queues=[board.support.pk]), ["Alpha", "Beta", "Delta"]),
        (Criteria(queues=[board.support.pk], subqueues=False), ["Alpha", "Delta"]),
        (Criteria(queues=[board.printing.pk, board.wlan.pk]), ["Beta", "Gamma"]),
        (Criteria(states=[State.objects.get(name="open").pk]), ["Beta"]),
        (Criteria(state_types=[StateType.CLOSED, StateType.NEW]), ["Alpha", "Gamma"]),
        (Criteria(priorities=[Priority.objects.get(name="5 very high").pk]), ["Beta"]),
        (Criteria(types=[TicketType.objects.get(name="Problem").pk]), ["Delta"]),
        (Criteria(owners=[other_agent.pk]), ["Beta"]),
        (Criteria(owners=[agent.pk]), ["Alpha", "Delta", "Gamma"]),
        (Criteria(responsibles=[agent.pk]), ["Beta"]),
        (Criteria(locked=True), ["Beta"]),
        (Criteria(locked=False), ["Alpha", "Delta", "Gamma"]),
        (Criteria(customer_user="ALICE@example.org"), ["Alpha"]),
        (Criteria(customer_user="*@example.org"), ["Alpha", "Gamma"]),
        (Criteria(customer_company="acme"), ["Alpha", "Gamma"]),
        (Criteria(customer_company="Glo*"), ["Beta"]),
        (Criteria(created=TimeRange(within=timedelta(days=30))), ["Beta", "Delta", "Gamma"]),
        (Criteria(created=TimeRange(older=timedelta(days=30))), ["Alpha"]),
        (Criteria(created=TimeRange(start=now - timedelta(days=41), end=now - timedelta(days=39))),
         ["Alpha"]),
        (Criteria(changed=TimeRange(within=timedelta(hours=1))), ["Beta", "Delta", "Gamma"]),
        (Criteria(closed=TimeRange(within=timedelta(days=1))), ["Gamma"]),
        (Criteria(closed=TimeRange(older=timedelta(days=1))), []),
        (Criteria(pending=TimeRange(start=now, end=now + timedelta(days=3))), ["Delta"]),
        (Criteria(pending=TimeRange(end=now)), []),
        # Attributes combine with AND.
        (Criteria(customer_company="ACME", state_types=[StateType.NEW]), ["Alpha"]),
        (Criteria(queues=[board.support.pk], locked=True, fulltext="toner"), ["Beta"]),
    ]  # fmt: skip
    wrong = [(c, titles(agent, c), want) for c, want in cases if titles(agent, c) != want]
    assert wrong == []


def test_archived_tickets_only_in_an_archive_search(board: Board, agent: User) -> None:
    Ticket.objects.filter(pk=board.gamma.pk).update(archived=True)
    assert titles(agent, Criteria()) == ["Alpha", "Beta", "Delta"]
    assert titles(agent, Criteria(archive=Archive.INCLUDE)) == ["Alpha", "Beta", "Delta", "Gamma"]
    assert titles(agent, Criteria(archive=Archive.ONLY)) == ["Gamma"]
    assert titles(agent, Criteria(fulltext="wifi")) == []
    assert titles(agent, Criteria(fulltext="wifi", archive=Archive.INCLUDE)) == ["Gamma"]


def test_every_search_goes_through_the_permission_module(
    board: Board, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = board.wlan.pk
    original = permissions.visible_tickets

    def without_wlan(user: User, queryset: Any) -> Any:
        return original(user, queryset).exclude(queue_id=hidden)

    monkeypatch.setattr(permissions, "visible_tickets", without_wlan)
    assert titles(agent, Criteria()) == ["Alpha", "Beta", "Delta"]
    assert titles(agent, Criteria(fulltext="wifi")) == []
    assert titles(agent, Criteria(queues=[hidden])) == []
    assert search_tickets(agent, Criteria(state_types=[StateType.CLOSED])).count() == 0


def test_an_inactive_account_finds_nothing(board: Board, agent: User) -> None:
    agent.is_active = False
    agent.save()
    assert titles(agent, Criteria()) == []


def test_wildcards_are_not_regular_expressions(board: Board) -> None:
    # Regex characters in a pattern are literal: "A.pha*" does not match "Alpha".
    assert not Ticket.objects.filter(wildcard_q("title", "A.pha*", contains=False)).exists()
    assert not Ticket.objects.filter(wildcard_q("title", "A.p*a*jam", contains=False)).exists()
    assert Ticket.objects.filter(wildcard_q("title", "Al*a*jam", contains=False)).count() == 1
    assert not Ticket.objects.filter(wildcard_q("title", "*(*", contains=False)).exists()
    assert Ticket.objects.filter(wildcard_q("title", "*", contains=False)).count() == 4


def test_pages_carry_the_total(board: Board, agent: User) -> None:
    tickets = search_tickets(agent, Criteria())
    order = [t.pk for t in tickets]
    first = search_page(tickets, 1, 3)
    assert [t.pk for t in first.rows] == order[:3] and first.count == 4
    assert first.has_next and not first.has_previous and first.num_pages == 2
    second = search_page(tickets, 2, 3)
    assert [t.pk for t in second.rows] == order[3:] and second.count == 4
    assert search_page(tickets, 99, 3).number == 2  # past the end: the last page
    empty = search_page(search_tickets(agent, Criteria(title="nothing like it")), 5, 3)
    assert empty.rows == [] and empty.count == 0 and empty.number == 1


def test_counts_stop_at_the_limit(
    board: Board, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.search import services

    monkeypatch.setattr(services, "COUNT_LIMIT", 3)
    page = search_page(search_tickets(agent, Criteria()), 1, 2)
    assert page.more and page.count == 3 and page.num_pages == 2
    page = search_page(search_tickets(agent, Criteria(owners=[agent.pk])), 1, 2)
    assert not page.more and page.count == 3
