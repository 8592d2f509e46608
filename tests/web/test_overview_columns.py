"""Dynamic fields, service and SLA as columns of the queue view and the dashboard lists:
chosen per agent, shown with their values, and read in a fixed number of statements."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets import actions
from sportello.tickets.models import DynamicField, Ticket
from sportello.web import dashboard
from tests.web.overview_helpers import logged_in, scenario, tickets
from tests.web.test_dashboard import DASHBOARD_STATEMENTS, statements, widget_html
from tests.web.test_queue_view import QUEUE_VIEW_STATEMENTS

pytestmark = pytest.mark.django_db

__all__ = ["logged_in", "tickets"]  # fixtures

COLUMNS = ["number", "title", "df:room", "df:network", "service", "sla"]


@pytest.fixture
def room(db: None) -> DynamicField:
    return DynamicField.objects.create(
        name="room", object_type="ticket", field_type="text", labels={"en": "Room", "de": "Raum"}
    )


@pytest.fixture
def network(db: None) -> DynamicField:
    return DynamicField.objects.create(
        name="network",
        object_type="ticket",
        field_type="dropdown",
        labels={"en": "Network"},
        choices=[{"key": "guest", "labels": {"en": "Guest <network>"}}],
    )


def give_values(
    found: dict[str, Ticket], room: DynamicField, network: DynamicField, *, service: bool = True
) -> None:
    actor = Actor(user=User.objects.get(username="system"))
    sla = SLA.objects.get_or_create(name="Gold")[0]
    wifi = Service.objects.get_or_create(name="Wifi", defaults={"sla": sla})[0]
    for ticket in found.values():
        actions.set_dynamic_fields(
            ticket, {room: f"R-{ticket.title}", network: "guest"}, actor=actor
        )
        if service:
            Ticket.objects.filter(pk=ticket.pk).update(service=wifi, sla=sla)


def counted(client: Client, path: str) -> tuple[int, str]:
    """Statements of a second request of ``path`` (the first fills caches), and its page."""
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        content = client.get(path).content.decode()
    return len(statements(captured)), content


def cells(html: str, number: str) -> list[str]:
    row = re.search(rf'<tr data-ticket="{number}">(.*?)</tr>', html, re.S)
    assert row, number
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)


def test_queue_view_shows_chosen_field_columns(
    logged_in: Client,
    agent: User,
    queue: Queue,
    tickets: dict[str, Ticket],
    room: DynamicField,
    network: DynamicField,
) -> None:
    give_values(tickets, room, network)
    agent.my_queues.add(queue)
    content = logged_in.get("/queues/?view=all").content.decode()
    # The column chooser offers the fields, service and SLA.
    for key in ("df:room", "df:network", "service", "sla"):
        assert f'name="columns" value="{key}"' in content
    response = logged_in.post(
        "/queues/settings/", {"per_page": "25", "columns": COLUMNS, "next": "/queues/"}
    )
    assert response.status_code == 302
    content = logged_in.get("/queues/").content.decode()
    head = re.search(r"<thead>.*?</thead>", content, re.S)
    assert head and ">Room<" in head.group(0) and ">Network<" in head.group(0)
    # Field columns are not sort links; service and SLA are.
    assert 'data-sort="df:room"' not in head.group(0) and 'data-sort="service"' in head.group(0)
    new = tickets["new"]
    # After the checkbox: the fixed columns in their order, then the fields in theirs.
    assert cells(content, new.number)[2:] == [
        new.title,
        "Wifi",
        "Gold",
        "Guest &lt;network&gt;",  # escaped
        f"R-{new.title}",
    ]
    assert logged_in.get("/queues/?sort=-service").status_code == 200


def test_queue_view_statements_stay_fixed_with_field_columns(
    logged_in: Client,
    agent: User,
    other_agent: User,
    queue: Queue,
    tickets: dict[str, Ticket],
    room: DynamicField,
    network: DynamicField,
) -> None:
    agent.my_queues.add(queue)
    dashboard.update(agent, dashboard.VIEWS["queue-view"].name, columns=COLUMNS)
    give_values(tickets, room, network)
    # The field columns share the chooser's statement; service and SLA one each.
    assert counted(logged_in, "/queues/")[0] == QUEUE_VIEW_STATEMENTS + 2
    more = scenario(agent, other_agent, queue, Actor(user=other_agent))
    give_values(more, room, network)
    assert counted(logged_in, "/queues/")[0] == QUEUE_VIEW_STATEMENTS + 2


def test_dashboard_lists_show_field_columns_in_one_statement(
    logged_in: Client,
    agent: User,
    other_agent: User,
    queue: Queue,
    tickets: dict[str, Ticket],
    room: DynamicField,
    network: DynamicField,
) -> None:
    # Without SLAs: the due times' own reads (per table with due times) stay out of it.
    give_values(tickets, room, network, service=False)
    without = counted(logged_in, "/")[0]
    assert without == DASHBOARD_STATEMENTS
    settings = logged_in.get("/dashboard/open/settings/").content.decode()
    assert 'value="df:room"' in settings and 'value="sla"' in settings
    logged_in.post(
        "/dashboard/open/settings/", {"per_page": "10", "columns": ["number", "df:room"]}
    )
    logged_in.post(
        "/dashboard/tickets/settings/", {"per_page": "10", "columns": ["number", "df:network"]}
    )
    # One statement for the field columns of every widget together.
    number, content = counted(logged_in, "/")
    assert number == without + 1
    opened = tickets["responsible"]
    html = widget_html(content, "open")
    assert ">Room<" in html and cells(html, opened.number) == [
        cells(html, opened.number)[0],
        f"R-{opened.title}",
    ]
    more = scenario(agent, other_agent, queue, Actor(user=other_agent))
    give_values(more, room, network, service=False)
    assert counted(logged_in, "/")[0] == without + 1


def test_unknown_or_retired_fields_are_no_columns(
    logged_in: Client, agent: User, queue: Queue, tickets: dict[str, Ticket], room: DynamicField
) -> None:
    with pytest.raises(InvalidInput):
        dashboard.update(agent, "open", columns=["df:nothing"])
    state = dashboard.update(agent, "open", columns=["number", "df:room", "df:nothing"])
    assert state.columns == ["number", "df:room"]
    room.valid = False
    room.save()
    html = widget_html(logged_in.get("/").content.decode(), "open")
    assert "Room" not in html and 'data-sort="number"' in html
