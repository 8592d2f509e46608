"""Due times with remaining time and state on the ticket zoom and in search results."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Ticket
from tests.queries import statements
from tests.sla.conftest import berlin
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def shown(value: Any) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def search(client: Client, density: str = "S", **params: Any) -> str:
    query = {"attrs": ["title"], "title": "WLAN", "density": density, "run": "1", **params}
    response = client.get(reverse("search:search"), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sla_ticket(wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any) -> Ticket:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))  # Monday 09:00
    ticket.refresh_from_db()
    assert ticket.first_response_due == berlin(2026, 3, 2, 10, 0)
    return ticket


@pytest.mark.parametrize("density", ["S", "M", "L"])
def test_search_rows_show_due_times_remaining_time_and_state(
    client: Client, agent: User, sla_ticket: Ticket, clock: Any, density: str
) -> None:
    client.force_login(agent)
    clock.move_to(berlin(2026, 3, 2, 9, 40))  # past half of the first response time
    page = search(client, density)
    first = page.split('<li class="sla-warning"', 1)[1].split("</li>", 1)[0]
    assert "First response" in first and shown(sla_ticket.first_response_due) in first
    assert "20 min (warning)" in first
    assert '<li class="sla-ok"' in page and "1 h 20 min" in page  # update, due 11:00
    clock.move_to(berlin(2026, 3, 2, 10, 5))
    page = search(client, density)
    escalated = page.split('<li class="sla-escalated"', 1)[1].split("</li>", 1)[0]
    assert "First response" in escalated and "escalated 5 min ago" in escalated


def test_a_ticket_without_service_level_shows_none(
    client: Client, agent: User, group: Any, actor: Actor, clock: Any
) -> None:
    plain = ensure_queue("Plain", group=group)
    make_ticket(plain, actor)
    client.force_login(agent)
    page = search(client)
    assert ">WLAN kaputt<" in page and "sla-due-compact" not in page


def test_due_times_cost_the_same_queries_for_one_ticket_or_many(
    client: Client, agent: User, wlan: Queue, sla_ticket: Ticket, clock: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    client.force_login(agent)
    # Each ticket's own SLA (one row read per ticket, were it not prefetched).
    Ticket.objects.update(sla=wlan.default_sla)
    search(client)  # warm caches (calendars, session)
    with CaptureQueriesContext(connection) as one:
        search(client)
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(4):
            make_ticket(wlan, Actor.system("mail"))
    Ticket.objects.update(sla=wlan.default_sla)
    with CaptureQueriesContext(connection) as five:
        page = search(client)
    assert page.count('class="sla-due-compact"') == 5
    assert len(statements(five)) == len(statements(one))


def test_the_zoom_sidebar_shows_the_due_times(
    client: Client, agent: User, sla_ticket: Ticket, clock: Any
) -> None:
    client.force_login(agent)
    clock.move_to(berlin(2026, 3, 2, 9, 40))
    page = client.get(reverse("web:ticket", args=[sla_ticket.number])).content.decode()
    table = page.split('class="sla-due-table"', 1)[1].split("</table>", 1)[0]
    assert '<tr class="sla-warning">' in table and "20 min (warning)" in table
    assert shown(sla_ticket.solution_due) in table
    assert table.count('<tr class="sla-ok">') == 2
