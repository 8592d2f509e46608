"""The search page: every attribute through the form, adding and removing attributes,
densities, paging, bad input, permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.tickets.models import Priority, State, StateType, Ticket, TicketType
from tests.search.board import Board

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def shown(client: Client, board: Board, params: dict[str, Any]) -> list[str]:
    response = client.get("/search/", {**params, "run": "1"})
    assert response.status_code == 200
    content = response.content.decode()
    return sorted(t.title.split()[0] for t in board.all() if f">{t.number}</a>" in content)


def test_login_required(client: Client) -> None:
    response = client.get("/search/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_and_its_nav_link(logged_in: Client) -> None:
    response = logged_in.get("/search/")
    assert response.status_code == 200
    assert b'href="/search/"' in response.content
    assert b'data-attribute="fulltext"' in response.content
    assert b"<script>" not in response.content.replace(b"<script src=", b"")


def test_every_attribute_through_the_form(
    logged_in: Client, board: Board, agent: User, other_agent: User
) -> None:
    today = timezone.localdate()
    day = timedelta(days=1)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"attrs": ["fulltext"], "fulltext": "toner OR wifi"}, ["Beta", "Gamma"]),
        ({"attrs": ["fulltext"], "fulltext": '"paper jam"'}, ["Alpha"]),
        ({"attrs": ["number"], "number": board.delta.number}, ["Delta"]),
        ({"attrs": ["number"], "number": "*" + board.alpha.number[-5:]}, ["Alpha"]),
        ({"attrs": ["title"], "title": "empty"}, ["Beta"]),
        ({"attrs": ["queues"], "queues": [board.support.pk], "subqueues": "on"},
         ["Alpha", "Beta", "Delta"]),
        ({"attrs": ["queues"], "queues": [board.support.pk]}, ["Alpha", "Delta"]),
        ({"attrs": ["states"], "states": [State.objects.get(name="open").pk]}, ["Beta"]),
        ({"attrs": ["state_types"], "state_types": [StateType.PENDING_REMINDER]}, ["Delta"]),
        ({"attrs": ["priorities"], "priorities": [Priority.objects.get(name="3 normal").pk]},
         ["Alpha", "Delta", "Gamma"]),
        ({"attrs": ["types"], "types": [TicketType.objects.get(name="Incident").pk]}, ["Beta"]),
        ({"attrs": ["owners"], "owners": [other_agent.pk]}, ["Beta"]),
        ({"attrs": ["responsibles"], "responsibles": [agent.pk]}, ["Beta"]),
        ({"attrs": ["locked"], "locked": "yes"}, ["Beta"]),
        ({"attrs": ["locked"], "locked": "no"}, ["Alpha", "Delta", "Gamma"]),
        ({"attrs": ["customer_user"], "customer_user": "bob"}, ["Beta"]),
        ({"attrs": ["customer_company"], "customer_company": "ACME"}, ["Alpha", "Gamma"]),
        ({"attrs": ["created"], "created_mode": "within", "created_amount": 30,
          "created_unit": "days"}, ["Beta", "Delta", "Gamma"]),
        ({"attrs": ["created"], "created_mode": "older", "created_amount": 4,
          "created_unit": "weeks"}, ["Alpha"]),
        ({"attrs": ["created"], "created_mode": "between",
          "created_from": (today - 41 * day).isoformat(),
          "created_to": (today - 39 * day).isoformat()}, ["Alpha"]),
        ({"attrs": ["changed"], "changed_mode": "within", "changed_amount": 2,
          "changed_unit": "hours"}, ["Beta", "Delta", "Gamma"]),
        ({"attrs": ["closed"], "closed_mode": "within", "closed_amount": 1,
          "closed_unit": "days"}, ["Gamma"]),
        ({"attrs": ["pending"], "pending_mode": "between", "pending_from": today.isoformat(),
          "pending_to": (today + 3 * day).isoformat()}, ["Delta"]),
        # Combined with AND; a value of an attribute not on the form is ignored.
        ({"attrs": ["customer_company", "locked"], "customer_company": "ACME", "locked": "no",
          "title": "Gamma"}, ["Alpha", "Gamma"]),
    ]  # fmt: skip
    wrong = [
        (p, shown(logged_in, board, p), w) for p, w in cases if shown(logged_in, board, p) != w
    ]
    assert wrong == []


def test_add_and_remove_attributes(logged_in: Client) -> None:
    response = logged_in.get("/search/", {"attrs": ["fulltext"], "add": "queues"})
    content = response.content.decode()
    assert 'data-attribute="queues"' in content and 'data-attribute="fulltext"' in content
    assert '<option value="queues">' not in content  # no longer offered
    assert 'name="subqueues" id="id_subqueues" checked' in content
    response = logged_in.get(
        "/search/", {"attrs": ["fulltext", "title"], "title": "x", "remove": "title"}
    )
    content = response.content.decode()
    assert 'data-attribute="title"' not in content and 'name="title"' not in content
    assert '<option value="title">' in content


def test_density_and_paging(logged_in: Client, board: Board) -> None:
    params = {"attrs": ["fulltext"], "fulltext": "", "run": "1"}
    small = logged_in.get("/search/", {**params, "density": "S"}).content.decode()
    medium = logged_in.get("/search/", {**params, "density": "M"}).content.decode()
    large = logged_in.get("/search/", {**params, "density": "L"}).content.decode()
    assert "alice@example.org" not in small and "alice@example.org" in medium
    assert "Toner cartridge is empty" not in medium and "Toner cartridge is empty" in large
    assert "4 tickets" in small
    page = logged_in.get("/search/", {**params, "per_page": 25, "page": "99"})
    assert page.status_code == 200 and b"4 tickets" in page.content


@pytest.mark.parametrize(
    ("params", "status", "shown"),
    [
        ({"attrs": ["fulltext"], "fulltext": '"(( OR NOT'}, 200, b"0 tickets"),
        (
            {"attrs": ["fulltext"], "fulltext": "'; DROP TABLE tickets_ticket; --"},
            200,
            b"0 tickets",
        ),
        ({"attrs": ["fulltext"], "fulltext": "x" * 2000}, 200, b"errorlist"),
        ({"attrs": ["queues"], "queues": ["abc"]}, 200, b"errorlist"),
        (
            {"attrs": ["created"], "created_mode": "within", "created_amount": "-3"},
            200,
            b"errorlist",
        ),
        (
            {"attrs": ["created"], "created_mode": "between", "created_from": "2026-13-45"},
            200,
            b"errorlist",
        ),
        # Unknown attributes and values are dropped: the search form, unrun.
        (
            {"attrs": ["nonsense"], "density": "XL", "per_page": "7", "archive": "all"},
            200,
            b'name="attrs"',
        ),
        ({"template": "abc"}, 404, b""),
    ],
)
def test_bad_input_gets_a_message_not_an_error(
    logged_in: Client, board: Board, params: dict[str, Any], status: int, shown: bytes
) -> None:
    response = logged_in.get("/search/", {**params, "run": "1"})
    assert response.status_code == status
    assert shown in response.content
    assert Ticket.objects.count() == 4


def test_a_wrong_value_is_shown_at_its_attribute(logged_in: Client, board: Board) -> None:
    response = logged_in.get("/search/", {"attrs": ["queues"], "queues": ["abc"], "run": "1"})
    content = response.content.decode()
    assert 'data-attribute="queues"' in content and "errorlist" in content
    assert board.alpha.number not in content


def test_a_query_without_words_is_explained(logged_in: Client, board: Board) -> None:
    response = logged_in.get("/search/", {"attrs": ["fulltext"], "fulltext": "!!", "run": "1"})
    assert response.status_code == 200
    assert b"no searchable word" in response.content


def test_hidden_queues_never_appear(
    logged_in: Client, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    original_tickets, original_queues = permissions.visible_tickets, permissions.readable_queues

    def tickets(user: User, queryset: Any) -> Any:
        return original_tickets(user, queryset).exclude(queue_id=board.wlan.pk)

    def queues(user: User) -> Any:
        return original_queues(user).exclude(pk=board.wlan.pk)

    monkeypatch.setattr(permissions, "visible_tickets", tickets)
    monkeypatch.setattr(permissions, "readable_queues", queues)
    response = logged_in.get("/search/", {"attrs": ["fulltext"], "fulltext": "", "run": "1"})
    content = response.content.decode()
    assert board.gamma.number not in content and "3 tickets" in content
    response = logged_in.get("/search/", {"attrs": ["fulltext"], "fulltext": "wifi", "run": "1"})
    assert "0 tickets" in response.content.decode()
    # The hidden queue is not even offered, and asking for it is refused by the form.
    response = logged_in.get("/search/", {"attrs": ["queues"]})
    assert board.wlan.full_name not in response.content.decode()
    response = logged_in.get("/search/", {"attrs": ["queues"], "queues": [board.wlan.pk]})
    assert board.gamma.number not in response.content.decode()


def test_archive_search(logged_in: Client, board: Board) -> None:
    Ticket.objects.filter(pk=board.gamma.pk).update(archived=True)
    base = {"attrs": ["fulltext"], "fulltext": "wifi"}
    assert shown(logged_in, board, base) == []
    assert shown(logged_in, board, {**base, "archive": "include"}) == ["Gamma"]
    assert shown(logged_in, board, {**base, "archive": "only"}) == ["Gamma"]
    assert shown(logged_in, board, {"archive": "only"}) == ["Gamma"]


def test_more_results_than_counted(
    logged_in: Client, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.search import services

    monkeypatch.setattr(services, "COUNT_LIMIT", 2)
    response = logged_in.get("/search/", {"attrs": ["fulltext"], "fulltext": "", "run": "1"})
    assert b"more than 2 tickets" in response.content
